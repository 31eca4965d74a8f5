#!/usr/bin/env node
// On-CPU profile of the gateway under load, kernel and every thread included: `perf record -e
// cpu-clock` attached for one wrk window, the gateway run with --perf-basic-prof-only-functions
// so its JIT code has names. Unlike --cpu-prof (profile.mjs), which samples the main thread by
// wall clock and so charges a syscall with the time the thread then waited for a core, this
// counts only time on a CPU: what a request costs, by shared object and by symbol.
//   node scripts/bench/perf-profile.mjs [--scenario chat] [--duration 5] [--connections 64] [--top 30] [--keep perf.data]
// --rate N drives the chat scenario open-loop at N req/s (fixed-rate.mjs) instead of wrk's
// closed loop: the cost per request at a moderate load, where less work shares a loop turn.
// --bare profiles the bench's `bare` target (uWS + the gateway's HTTP/1 client, no pipeline) instead:
// the same symbols side by side say what the pipeline adds, in the kernel as much as in JavaScript.
// --keep copies the recording (with the gateway's /tmp/perf-PID.map) for `perf report -g caller`.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import { runFixedRate } from './lib/fixed-rate-client.mjs';
import { procSample } from './lib/proc.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';
import { enablePinning } from './lib/pin.mjs';

const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    bare: { type: 'boolean', default: false },
    scenario: { type: 'string', default: 'chat' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    top: { type: 'string', default: '30' },
    keep: { type: 'string' },
    rate: { type: 'string' },
  },
});
if (values.pin) enablePinning(); // the gateway on cores of its own, the load on core 0 (lib/pin.mjs)
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
  const nodeArgs = ['--perf-basic-prof-only-functions'];
  gw = values.bare ? await stack.startBareProxy(fake.origin, { nodeArgs }) : await stack.startGatewayProcess(redis.url, { nodeArgs });
  const script = writeWrkScript(tmp, sc.name, { headers: headersFor(sc, gw, rawKey), bodyFile: writeBody(tmp, sc) });
  const url = gw.origin + sc.path;
  const connections = sc.connections ?? Number(values.connections);
  const durationS = Number(values.duration);
  let recording;
  const record = () => {
    recording = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(gw.pid), '-o', data], { stdio: 'ignore' });
  };
  const stopRecording = async () => {
    recording.kill('SIGINT');
    await new Promise((resolve) => recording.once('exit', resolve));
  };
  if (values.rate) {
    // Open loop: a 3 s warm-up inside the run, perf attached after it.
    const load = runFixedRate({ url, rate: values.rate, durationS, warmupS: 3, bodyFile: writeBody(tmp, sc), headers: headersFor(sc, gw, rawKey) });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const cpu1 = procSample(gw.pid).cpu;
    record();
    const r = await load;
    const cpu2 = procSample(gw.pid).cpu;
    await stopRecording();
    process.stdout.write(`${sc.name}: ${Math.round(r.achievedRate)} req/s open loop (${durationS} s, perf attached), p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms; gateway CPU ≈ ${Math.round(((cpu2 - cpu1) * 1e6) / (r.achievedRate * durationS))} µs per request (its threads, /proc, perf running)\n`);
  } else {
    await runWrk({ url, script, durationS: 3, connections }); // warm-up, not recorded
    record();
    const r = await runWrk({ url, script, durationS, connections });
    await stopRecording();
    process.stdout.write(`${sc.name}: ${Math.round(r.rps)} req/s (-c${connections}, ${values.duration} s, perf attached; ${Math.round(r.rps * durationS)} requests)\n`);
  }
  const report = (...args) => spawnSync('perf', ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  const rows = (text, n) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).slice(0, n).join('\n');
  process.stdout.write(`\non-CPU samples by shared object ([JIT]: optimised and baseline JavaScript; node: V8's runtime, builtins, GC, libuv):\n${rows(report('--sort', 'dso'), 10)}\n`);
  process.stdout.write(`\nby symbol:\n${rows(report('--sort', 'sym'), Number(values.top))}\n`);
  if (values.keep) {
    copyFileSync(data, values.keep);
    process.stdout.write(`\nrecording kept in ${values.keep} (JIT names: /tmp/perf-${gw.pid}.map while it lasts)\n`);
  }
} finally {
  await gw?.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
