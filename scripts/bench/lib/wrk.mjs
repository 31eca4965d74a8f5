// Closed-loop throughput with wrk: a generated Lua script sets method, headers and body (read
// from a file, so 1 MB bodies work) and prints one JSON line from wrk's `done` hook with the
// request count, errors and latency percentiles (µs).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tasksetArgs } from './pin.mjs';

/** Lua long-bracket literal that cannot be closed by the content. */
function luaString(s) {
  let eq = '';
  while (s.includes(`]${eq}]`)) eq += '=';
  return `[${eq}[${s}]${eq}]`;
}

/** Install Debian's wrk when missing and we are root. Returns null or why wrk is unavailable. */
export function ensureWrk(log = () => {}) {
  const has = () => spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
  if (has()) return null;
  if (process.getuid?.() !== 0) return 'wrk is not installed (sudo apt-get install -y wrk)';
  log('wrk missing: apt-get install -y wrk …');
  if (spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore' }).status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore' });
  }
  return has() ? null : 'apt-get install wrk failed';
}

/**
 * Write the Lua script of one (scenario, target) pair into `dir`.
 * @param {{method?: string, headers: Record<string,string>, bodyFile: string}} req
 */
export function writeWrkScript(dir, name, req) {
  const lines = [`wrk.method = ${luaString(req.method ?? 'POST')}`];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`);
  lines.push(
    `local f = assert(io.open(${luaString(req.bodyFile)}, "rb"))`,
    'wrk.body = f:read("*a")',
    'f:close()',
    'done = function(s, latency, requests)',
    '  local e = s.errors',
    '  io.write(string.format(\'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\\n\',',
    '    s.requests, s.duration, s.bytes, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))',
    'end',
  );
  const file = path.join(dir, `${name}.lua`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Run wrk against `url` for `durationS` seconds.
 * @returns {Promise<{rps: number, p50: number, p90: number, p99: number, max: number, errors: number, requests: number, mbps: number}>} latencies in ms
 */
export function runWrk({ url, script, durationS, connections, threads = 1, timeoutS = 10 }) {
  return new Promise((resolve, reject) => {
    const args = [`-t${threads}`, `-c${connections}`, `-d${durationS}s`, `--timeout`, `${timeoutS}s`, '-s', script, url];
    const [cmd, ...argv] = [...tasksetArgs('load'), 'wrk', ...args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /BENCHJSON (\{.*\})/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`));
      const r = JSON.parse(m[1]);
      const secs = r.duration_us / 1e6;
      const errors = r.err_connect + r.err_read + r.err_write + r.err_status + r.err_timeout;
      resolve({
        rps: (r.requests - r.err_status) / secs,
        p50: r.p50 / 1000,
        p90: r.p90 / 1000,
        p99: r.p99 / 1000,
        max: r.max / 1000,
        requests: r.requests,
        errors,
        errorDetail: errors ? { connect: r.err_connect, read: r.err_read, write: r.err_write, status: r.err_status, timeout: r.err_timeout } : undefined,
        mbps: r.bytes / secs / 2 ** 20,
      });
    });
  });
}
