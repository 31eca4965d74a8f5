// The processes a benchmark run talks to: Redis, the fake provider, the gateway (full
// pipeline), and the references (direct, nginx, the bare uWS + own-client proxy, the plain
// uWS + undici proxy, optionally Portkey).
// Each target is { name, url (origin), pid, stop(), headers? } or a skip reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Registry } from '../../../packages/core/dist/index.js';
import { freePort, startRedis as startLocalRedis } from '../../lib/local-redis.mjs';
import { pinPid } from './pin.mjs';
import { procNofile, spawnWithLimits, waitForHttp, waitForPort } from './proc.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = path.join(ROOT, 'scripts/bench');
export const GATEWAY_MAIN = path.join(ROOT, 'packages/gateway/dist/main.js');

/** Model names the scenarios use; both are bound to the fake provider with a price. */
export const CHAT_MODEL = 'gpt-4o-mini';
export const EMBED_MODEL = 'text-embedding-3-small';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

/** Read the first JSON line a child prints (`{"port":N,…}`). */
function firstJsonLine(proc, what, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start:\n${proc.output()}`)), timeoutMs);
    const onData = (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      proc.child.stdout.off('data', onData);
      try {
        resolve(JSON.parse(buf.slice(0, nl)));
      } catch (e) {
        reject(new Error(`${what} printed ${buf.slice(0, nl)}: ${e.message}`));
      }
    };
    proc.child.stdout.on('data', onData);
    proc.child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited with ${code}:\n${proc.output()}`));
    });
  });
}

/** redis-server for the bench (lib/local-redis.mjs), on the load side's cores under `--pin`. */
export async function startRedis(opts) {
  const redis = await startLocalRedis(opts);
  pinPid(redis.process.pid, 'load');
  return redis;
}

/** The fake provider in its own process, recording off. */
export async function startFake() {
  const proc = spawnWithLimits(process.execPath, [path.join(BENCH, 'fake-upstream.mjs'), '--port', '0']);
  const { port, url } = await firstJsonLine(proc, 'fake provider');
  return { name: 'fake', port, url, origin: `http://127.0.0.1:${port}`, pid: proc.pid, nofile: procNofile(proc.pid), output: proc.output, stop: () => proc.stop() };
}

/**
 * Seed the registry so that every stage of the pipeline has work: one provider with a secret,
 * both models bound with prices, one key with rpm/tpm/concurrency limits and budgets far
 * above what the benchmark sends (so nothing is refused, but the checks run).
 * @returns {Promise<string>} the raw gateway key
 */
export async function seedRegistry(redisUrl, fakeUrl, opts = {}) {
  const redis = new Redis(redisUrl);
  try {
    const registry = new Registry(redis);
    // A second key on the seeded registry, with no limits and no budgets: the admission
    // script is skipped for it (A/B of what admission and accounting cost).
    if (opts.plainKey) return (await registry.createKey({ name: 'bench-nolimits' })).raw;
    await registry.addProvider({ name: 'fake', base_url: fakeUrl, secrets: ['sk-bench-upstream-secret-0001'] });
    for (const name of [CHAT_MODEL, EMBED_MODEL]) {
      await registry.bindModel(name, { provider: 'fake', model: name });
      await registry.updateModel(name, () => ({ price_input: 0.15, price_output: 0.6 }));
    }
    const { raw } = await registry.createKey({ name: 'bench', ...BENCH_LIMITS });
    return raw;
  } finally {
    await redis.quit();
  }
}

/** The bench key's limits and budgets: far above the load, so nothing is refused but every check runs. */
const BENCH_LIMITS = { rpm: 1_000_000_000, tpm: 1_000_000_000_000, max_concurrency: 1_000_000, budget_daily: 1_000_000_000, budget_monthly: 1_000_000_000 };

/** `n` more keys like the bench key, on a registry seedRegistry has seeded: their raw keys. */
export async function seedMoreKeys(redisUrl, n) {
  const redis = new Redis(redisUrl);
  try {
    const registry = new Registry(redis);
    const out = [];
    for (let i = 0; i < n; i++) out.push((await registry.createKey({ name: `bench-${i}`, ...BENCH_LIMITS })).raw);
    return out;
  } finally {
    await redis.quit();
  }
}

/**
 * The built gateway as a separate process. `nodeArgs` e.g. ['--cpu-prof', '--cpu-prof-dir=…'];
 * `main` another build's main.js (A/B comparisons); `logFile` receives its whole stdout (the access
 * lines, with `env: { GW_LOG_LEVEL: 'info' }`).
 */
export async function startGatewayProcess(redisUrl, { nodeArgs = [], env = {}, main = GATEWAY_MAIN, name = 'gateway', logFile } = {}) {
  const port = await freePort();
  // An admin listener turns the Prometheus metrics on, as in production: they cost per request too.
  const adminPort = await freePort();
  const proc = spawnWithLimits(process.execPath, [...nodeArgs, main], {
    role: 'target',
    env: {
      ...process.env,
      GW_HOST: '127.0.0.1',
      GW_PORT: String(port),
      GW_ADMIN_PORT: String(adminPort),
      REDIS_URL: redisUrl,
      // The access line per request is info; warn keeps logging off the measured path.
      GW_LOG_LEVEL: 'warn',
      // One worker unless asked (like nginx's one worker here); --workers N sets it.
      GW_WORKERS: '1',
      ...env,
    },
    stdoutFile: logFile,
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/ready`, { child: proc.child, what: 'gateway', output: proc.output });
  return { name, port, origin, admin: `http://127.0.0.1:${adminPort}`, pid: proc.pid, nofile: procNofile(proc.pid), output: proc.output, stop: (sig) => proc.stop(sig, 10_000) };
}

/**
 * The bare proxy reference: uWS + the gateway's own HTTP/1 client, nothing else (bare-proxy.mjs).
 * Started on a port chosen here, so `logFile` (its whole stdout) and `nodeArgs` (e.g.
 * --trace-gc-nvp) need no reading of its first line.
 */
export async function startBareProxy(upstreamOrigin, { nodeArgs = [], logFile } = {}) {
  const port = await freePort();
  const proc = spawnWithLimits(process.execPath, [...nodeArgs, path.join(BENCH, 'bare-proxy.mjs'), '--port', String(port), '--upstream', upstreamOrigin], { role: 'target', stdoutFile: logFile });
  await waitForPort(port, { child: proc.child, what: 'bare proxy', output: proc.output });
  return { name: 'bare', port, origin: `http://127.0.0.1:${port}`, pid: proc.pid, nofile: procNofile(proc.pid), output: proc.output, stop: () => proc.stop() };
}

/** The plain uWS + undici proxy reference. */
export async function startPlainProxy(upstreamOrigin) {
  const proc = spawnWithLimits(process.execPath, [path.join(BENCH, 'plain-proxy.mjs'), '--port', '0', '--upstream', upstreamOrigin], { role: 'target' });
  const { port } = await firstJsonLine(proc, 'plain proxy');
  return { name: 'plain', port, origin: `http://127.0.0.1:${port}`, pid: proc.pid, nofile: procNofile(proc.pid), output: proc.output, stop: () => proc.stop() };
}

/** Install Debian's nginx when missing and we are root; otherwise say why not. */
function ensureNginx(log) {
  if (onPath('nginx')) return null;
  if (!isRoot() || !onPath('apt-get')) return 'nginx is not installed (install it with `sudo apt-get install -y nginx`)';
  log('nginx missing: apt-get install -y nginx …');
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return r.status === 0 && onPath('nginx') ? null : 'apt-get install nginx failed';
}

/** nginx proxy_pass with upstream keep-alive, one process, generated config in a temp dir. */
export async function startNginx(upstreamPort, log = () => {}) {
  const why = ensureNginx(log);
  if (why) return { skipped: why };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-bench-nginx-'));
  const port = await freePort();
  const conf = readFileSync(path.join(BENCH, 'nginx.conf.tmpl'), 'utf8')
    .replaceAll('{{DIR}}', dir)
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{UPSTREAM_PORT}}', String(upstreamPort));
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proc = spawnWithLimits('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { role: 'target' });
  try {
    await waitForPort(port, { child: proc.child, what: 'nginx', output: () => proc.output() + safeRead(path.join(dir, 'error.log')) });
  } catch (e) {
    await proc.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `nginx did not start: ${e.message.split('\n').slice(0, 4).join(' ')}` };
  }
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: nginx/', '');
  return {
    name: 'nginx',
    port,
    version,
    origin: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    nofile: procNofile(proc.pid),
    conf: path.join(dir, 'nginx.conf'),
    output: () => proc.output() + safeRead(path.join(dir, 'error.log')),
    stop: async () => {
      await proc.stop('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeRead(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The Portkey version the bench runs: pinned, so that a run is repeatable and its table names
 * what it measured. Installed on first use into a cache directory of its own rather than as a
 * devDependency: it brings ~95 packages (hono, ioredis, zod 3, AWS signing) that no one
 * else needs in the workspace's lockfile or in every `npm ci`.
 */
const PORTKEY_VERSION = '1.15.2';
/**
 * The prefix's package.json: Portkey pinned, and @hono/node-server held at the last version
 * Portkey-AI/gateway#1389 names as working (newer ones break every chat completion).
 */
const PORTKEY_PACKAGE = { private: true, dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION }, overrides: { '@hono/node-server': '1.14.2' } };

/**
 * Portkey's gateway from npm (installed once into ~/.cache/llmgw-bench/portkey-<version>, run
 * with node directly so its pid is the server's). Requests route with the `x-portkey-config`
 * header to the same fake provider, which also gets the scenario's `x-fake-behaviour`.
 */
export async function startPortkey(fakeUrl, log = () => {}) {
  const prefix = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'llmgw-bench', `portkey-${PORTKEY_VERSION}`);
  const pkgDir = path.join(prefix, 'node_modules/@portkey-ai/gateway');
  const wanted = JSON.stringify(PORTKEY_PACKAGE, null, 2);
  if (!existsSync(path.join(pkgDir, 'package.json')) || safeRead(path.join(prefix, 'package.json')) !== wanted) {
    rmSync(prefix, { recursive: true, force: true });
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, 'package.json'), wanted);
    log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} from npm into ${prefix} …`);
    const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error'], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `npm install @portkey-ai/gateway@${PORTKEY_VERSION} failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ')}` };
  }
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const binRel = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {})[0];
  if (!binRel) return { skipped: '@portkey-ai/gateway has no bin entry' };
  const port = await freePort();
  // The shim works around Portkey-AI/gateway#1389 on Node 20 (streams fail): see the file.
  const proc = spawnWithLimits(process.execPath, ['--import', path.join(BENCH, 'portkey-fetch-shim.mjs'), path.join(pkgDir, binRel), `--port=${port}`], { cwd: prefix, role: 'target' });
  try {
    await waitForPort(port, { child: proc.child, what: 'portkey', output: proc.output, timeoutMs: 30_000 });
  } catch (e) {
    await proc.stop('SIGKILL');
    return { skipped: `portkey did not start: ${e.message.split('\n').slice(0, 4).join(' ')}` };
  }
  // forward_headers: the fake provider reads the scenario's shape (chunks) from this header, as through the others.
  const config = JSON.stringify({ provider: 'openai', custom_host: fakeUrl, api_key: 'sk-bench-upstream-secret-0001', forward_headers: ['x-fake-behaviour'] });
  return {
    name: 'portkey',
    port,
    version: pkg.version,
    origin: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    nofile: procNofile(proc.pid),
    headers: { 'x-portkey-config': config },
    output: proc.output,
    stop: () => proc.stop(),
  };
}
