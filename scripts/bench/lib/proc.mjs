// Child processes of the benchmark: spawned with a raised open-files limit, watched through
// /proc (RSS, CPU), stopped by their own pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tasksetArgs } from './pin.mjs';

/** Open-files limit asked for every child: 10,000 streams need 20,000+ sockets in the gateway. */
const WANT_NOFILE = 65536;

/** `sh -c` script: raise the open-files limit as far as allowed, then exec "$0" "$@" (same pid). */
const RAISE_NOFILE_AND_EXEC = (nofile) => `ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86/arm

/**
 * Spawn `cmd args` through `sh -c 'ulimit -n …; exec …'` so the child (same pid after exec)
 * gets a raised open-files limit when the hard limit or root allows it. `role`: which cores it
 * runs on under `--pin` ('target' for the process measured, 'load' for the rest; lib/pin.mjs).
 * @returns {{child: import('node:child_process').ChildProcess, pid: number, output: () => string, stop: (signal?: string, graceMs?: number) => Promise<number|null>}}
 */
export function spawnWithLimits(cmd, args, { env = process.env, cwd, nofile = WANT_NOFILE, keepOutput = 64 * 1024, stdoutFile, role = 'load' } = {}) {
  // stdoutFile: all of stdout goes there (e.g. every access line), only stderr is kept.
  const stdout = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
  const child = spawn('sh', ['-c', RAISE_NOFILE_AND_EXEC(nofile), ...tasksetArgs(role), cmd, ...args], { env, cwd, stdio: ['ignore', stdout, 'pipe'] });
  if (stdoutFile) closeSync(stdout);
  let out = '';
  const keep = (d) => {
    out += d;
    if (out.length > keepOutput) out = out.slice(-keepOutput);
  };
  child.stdout?.on('data', keep);
  child.stderr.on('data', keep);
  const stop = (signal = 'SIGTERM', graceMs = 5000) =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
      child.kill(signal);
    });
  return { child, pid: child.pid, output: () => out, stop };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after `timeoutMs` or when `child` exits. */
export async function waitForPort(port, { timeoutMs = 15_000, child, what = `port ${port}`, output = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${output().slice(-3000)}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen within ${timeoutMs} ms:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once GET url answers 2xx. */
export async function waitForHttp(url, { timeoutMs = 15_000, child, what = url, output = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${output().slice(-3000)}`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${timeoutMs} ms:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pid and every process under it (a gateway with GW_WORKERS > 1 is a supervisor and its workers). */
function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(' ').map(Number));
      }
    } catch {
      /* gone, or no /proc/…/children: the pid alone */
    }
  }
  return out;
}

/** CPU seconds in user space and in the kernel, and minor page faults, of one process (throws when it is gone). */
export function procTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the `(comm)`, which may contain spaces: state is field 3, minflt 10, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]) / CLK_TCK, sys: Number(rest[12]) / CLK_TCK, minflt: Number(rest[7]) };
}

/** RSS and peak RSS in bytes, CPU seconds (user+system) and minor page faults of one process; null when it is gone. */
function sampleOne(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const t = procTimes(pid);
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpu: t.user + t.sys, minflt: t.minflt };
  } catch {
    return null;
  }
}

/**
 * RSS and peak RSS in bytes, CPU seconds (user+system) of a process and every process under
 * it, summed (shared pages count once per process: an upper bound); null when it is gone.
 */
export function procSample(pid) {
  const root = sampleOne(pid);
  if (!root) return null;
  for (const child of processTree(pid).slice(1)) {
    const s = sampleOne(child);
    if (!s) continue;
    root.rss += s.rss;
    root.hwm += s.hwm;
    root.cpu += s.cpu;
    root.minflt += s.minflt;
  }
  return { ...root, at: performance.now() };
}

/** The soft open-files limit of a running process, from /proc/<pid>/limits. */
export function procNofile(pid) {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : null;
  } catch {
    return null;
  }
}

/** Sample a process every `everyMs` until stopped; returns max RSS and CPU % over the window. */
export function watchProcess(pid, everyMs = 250) {
  const first = procSample(pid);
  let maxRss = first?.rss ?? 0;
  let last = first;
  const t = setInterval(() => {
    const s = procSample(pid);
    if (!s) return;
    last = s;
    if (s.rss > maxRss) maxRss = s.rss;
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      const s = procSample(pid) ?? last;
      if (s && s.rss > maxRss) maxRss = s.rss;
      const wall = first && s ? (s.at - first.at) / 1000 : 0;
      return {
        rssStartMB: first ? first.rss / 2 ** 20 : null,
        rssMaxMB: maxRss / 2 ** 20,
        rssEndMB: s ? s.rss / 2 ** 20 : null,
        cpuPct: first && s && wall > 0 ? ((s.cpu - first.cpu) / wall) * 100 : null,
        /** Minor page faults in the window (first touches of fresh pages: ~11 µs each on this VM). */
        minflt: first && s ? s.minflt - first.minflt : null,
        wallS: wall,
      };
    },
  };
}

/**
 * Wait until every process in `pids` is nearly idle (< `pct` % CPU over 200 ms), at most
 * `maxMs`: a server still chewing on the previous cell's backlog must not slow the next.
 */
export async function waitIdle(pids, { pct = 5, maxMs = 15_000 } = {}) {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const a = pids.map(procSample);
    await new Promise((r) => setTimeout(r, 200));
    const b = pids.map(procSample);
    const busy = a.some((x, i) => x && b[i] && ((b[i].cpu - x.cpu) / ((b[i].at - x.at) / 1000)) * 100 > pct);
    if (!busy) return true;
  }
  return false;
}

/** `watchProcess` for each of `pids`, started `ms` from now (when a load client's warm-up ends). */
export function watchLater(pids, ms) {
  return new Promise((resolve) => setTimeout(resolve, ms)).then(() => pids.map((pid) => watchProcess(pid)));
}

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Run one of the bench's own load clients (`scripts/bench/<script>`, e.g. fixed-rate.mjs,
 * slow-streams.mjs) with the open-files limit raised, and parse the JSON line it prints last.
 */
export function runJsonClient(script, args) {
  return new Promise((resolve, reject) => {
    const argv = [...tasksetArgs('load'), process.execPath, path.join(BENCH_DIR, script), ...args];
    const child = spawn('sh', ['-c', RAISE_NOFILE_AND_EXEC(WANT_NOFILE), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}${out.slice(-500)}`));
      }
    });
  });
}
