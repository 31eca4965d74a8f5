#!/usr/bin/env node
// On-CPU profile of the gateway under load, kernel and every thread included: `perf record -e
// cpu-clock` attached for one wrk window, the gateway run with --perf-basic-prof-only-functions
// so its JIT code has names. Unlike --cpu-prof (profile.mjs), which samples the main thread by
// wall clock and so charges a syscall with the time the thread then waited for a core, this
// counts only time on a CPU: what a request costs, by shared object and by symbol.
//   node scripts/bench/perf-profile.mjs [--scenario chat] [--duration 5] [--connections 64] [--top 30]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'chat' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    top: { type: 'string', default: '30' },
  },
});
const sc = THROUGHPUT.find((s) => s.name === values.scenario);
if (!sc || spawnSync('perf', ['--version']).status !== 0) {
  process.stderr.write(sc ? 'perf is not installed (apt-get install -y linux-perf)\n' : `unknown scenario ${values.scenario}\n`);
  process.exit(2);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-perf-'));
const data = path.join(tmp, 'perf.data');
const redis = await stack.startRedis();
const fake = await stack.startFake();
let gw;
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  gw = await stack.startGatewayProcess(redis.url, { nodeArgs: ['--perf-basic-prof-only-functions'] });
  const script = writeWrkScript(tmp, sc.name, { headers: headersFor(sc, gw, rawKey), bodyFile: writeBody(tmp, sc) });
  const url = gw.origin + sc.path;
  const connections = sc.connections ?? Number(values.connections);
  await runWrk({ url, script, durationS: 3, connections }); // warm-up, not recorded
  const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(gw.pid), '-o', data], { stdio: 'ignore' });
  const r = await runWrk({ url, script, durationS: Number(values.duration), connections });
  rec.kill('SIGINT');
  await new Promise((resolve) => rec.once('exit', resolve));
  process.stdout.write(`${sc.name}: ${Math.round(r.rps)} req/s (-c${connections}, ${values.duration} s, perf attached)\n`);
  const report = (...args) => spawnSync('perf', ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  const rows = (text, n) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).slice(0, n).join('\n');
  process.stdout.write(`\non-CPU samples by shared object ([JIT]: optimised and baseline JavaScript; node: V8's runtime, builtins, GC, libuv):\n${rows(report('--sort', 'dso'), 10)}\n`);
  process.stdout.write(`\nby symbol:\n${rows(report('--sort', 'sym'), Number(values.top))}\n`);
} finally {
  await gw?.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
