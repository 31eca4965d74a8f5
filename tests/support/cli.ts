// Running the built programs (gwctl, the gateway's dist) from end-to-end tests.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GWCTL = fileURLToPath(new URL('../../packages/gwctl/dist/main.js', import.meta.url));
const GATEWAY = fileURLToPath(new URL('../../packages/gateway/dist/main.js', import.meta.url));

/** `npm test` builds first; a bare `vitest run` on a fresh checkout builds here once. */
export function ensureBuilt(): void {
  if (existsSync(GWCTL) && existsSync(GATEWAY)) return;
  execFileSync('npx', ['tsc', '-b', 'packages/core', 'packages/gateway', 'packages/gwctl'], { cwd: ROOT, stdio: 'inherit' });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `gwctl <args>` as a real process with only PATH, HOME and `env` in its environment. */
export function gwctl(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GWCTL, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like `gwctl` but fails with its output when the exit code is not 0; returns stdout. */
export async function gwctlOk(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await gwctl(args, env);
  if (r.code !== 0) throw new Error(`gwctl ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
