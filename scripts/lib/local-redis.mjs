// Start a private redis-server on a free loopback port. Used by the test setup, `npm run dev`
// and `npm run bench`, so that none of them needs a Redis installed as a service.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REDIS_INSTALL_HINT =
  'redis-server is not on PATH: install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a running Redis.';

export function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true when something answers a Redis PING at host:port within `timeoutMs`. */
export function pingRedis(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH')));
  });
}

/**
 * Start redis-server with no persistence on a free port (or `port`).
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, process: import('node:child_process').ChildProcess}>}
 */
export async function startRedis({ port, args = [] } = {}) {
  if (!hasRedisServer()) throw new Error(REDIS_INSTALL_HINT);
  const p = port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--databases', '32', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis('127.0.0.1', p))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${p}:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () =>
    new Promise((resolve) => {
      // Already gone (exited, or killed by a signal: then exitCode stays null and no 'exit' comes again).
      if (child.exitCode !== null || child.signalCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        return resolve();
      }
      child.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url: `redis://127.0.0.1:${p}`, port: p, stop, process: child };
}
