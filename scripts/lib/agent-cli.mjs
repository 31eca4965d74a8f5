// The coding-agent CLIs the scripts in scripts/agents/ run (Codex, Claude Code) are large
// (hundreds of MB with their native binaries), so they are not dependencies of the repository:
// `npm ci` stays lean. Each script installs its pinned version on first use into a cache
// directory of its own, outside the repository, and says what it does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `$LLMGW_AGENTS_CACHE`, else `$XDG_CACHE_HOME/llmgw-agents`, else `~/.cache/llmgw-agents`. */
function cacheRoot() {
  if (process.env.LLMGW_AGENTS_CACHE) return process.env.LLMGW_AGENTS_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'llmgw-agents');
}

/**
 * The path of `bin` from `pkg@version`, installed with `npm install --prefix <cache>/<pkg>@<version>`
 * when it is not there yet. Exits the process (code 1) with what to do when npm fails.
 */
export function ensureAgentCli({ pkg, version, bin }) {
  const dir = path.join(cacheRoot(), `${pkg.replace('/', '+')}@${version}`);
  const binPath = path.join(dir, 'node_modules', '.bin', bin);
  if (existsSync(binPath)) {
    console.log(`using ${pkg}@${version} from ${dir}`);
    return binPath;
  }
  const args = ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`];
  console.log(`${pkg}@${version} is not installed yet: npm ${args.join(' ')}`);
  const r = spawnSync('npm', args, { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(binPath)) {
    console.error(`installing ${pkg}@${version} failed (npm exit ${r.status ?? r.signal}); install it yourself with the command above.`);
    process.exit(1);
  }
  console.log(`installed ${pkg}@${version} into ${dir}`);
  return binPath;
}
