// Start a private redis-server on a free loopback port. Used by the test setup, `npm run dev`
// and `npm run bench`, so that none of them needs a Redis installed as a service.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
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
 * Like pingRedis, over TLS: `opts` are node:tls connect options (ca, cert, key, servername).
 * Resolves true on +PONG (or -NOAUTH).
 */
export function pingRedisTls(host, port, opts, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = tls.connect({ host, port, ...opts });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('secureConnect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH')));
  });
}

/**
 * Start redis-server with no persistence on a free port (or `port`).
 * With `tls` ({ certFile, keyFile, caFile, authClients: 'no' | 'yes' | 'optional' }) it speaks
 * TLS only: `--port 0`, the port given or found is its `--tls-port`, and `url` is `rediss://`.
 * The server's certificate (which must name 127.0.0.1) doubles as the client certificate of
 * the readiness probe, of replication and of the Cluster bus.
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, process: import('node:child_process').ChildProcess}>}
 */
export async function startRedis({ port, args = [], tls: tlsFiles } = {}) {
  if (!hasRedisServer()) throw new Error(REDIS_INSTALL_HINT);
  const p = port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-redis-'));
  const listen = tlsFiles
    ? [
        '--port', '0', '--tls-port', String(p),
        '--tls-cert-file', tlsFiles.certFile, '--tls-key-file', tlsFiles.keyFile, '--tls-ca-cert-file', tlsFiles.caFile,
        '--tls-auth-clients', tlsFiles.authClients ?? 'no',
      ]
    : ['--port', String(p)];
  const probeTls = tlsFiles && { ca: readFileSync(tlsFiles.caFile), cert: readFileSync(tlsFiles.certFile), key: readFileSync(tlsFiles.keyFile) };
  const ping = () => (probeTls ? pingRedisTls('127.0.0.1', p, probeTls) : pingRedis('127.0.0.1', p));
  const child = spawn(
    'redis-server',
    [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--databases', '32', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 10_000;
  while (!(await ping())) {
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
  return { url: `${tlsFiles ? 'rediss' : 'redis'}://127.0.0.1:${p}`, port: p, stop, process: child };
}
