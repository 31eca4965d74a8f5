#!/usr/bin/env node
// System calls the gateway makes per request under load (strace -c attached for one wrk
// window): how many socket reads and writes a request costs, to the client, the upstream and
// Redis. Counts, not times: strace slows every call it sees, so its timings mean nothing here.
//   node scripts/bench/syscalls.mjs [--scenario chat] [--duration 5] [--connections 64]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  },
});
const sc = THROUGHPUT.find((s) => s.name === values.scenario);
if (!sc || spawnSync('strace', ['-V']).status !== 0) {
  process.stderr.write(sc ? 'strace is not installed (apt-get install -y strace)\n' : `unknown scenario ${values.scenario}\n`);
  process.exit(2);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-syscalls-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
let gw;
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  gw = await stack.startGatewayProcess(redis.url);
  const script = writeWrkScript(tmp, sc.name, { headers: headersFor(sc, gw, rawKey), bodyFile: writeBody(tmp, sc) });
  const url = gw.origin + sc.path;
  const connections = Number(values.connections);
  await runWrk({ url, script, durationS: 3, connections }); // warm-up
  const out = path.join(tmp, 'strace.txt');
  const tracer = spawn('strace', ['-c', '-f', '-p', String(gw.pid), '-o', out], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000)); // attached to every thread
  const r = await runWrk({ url, script, durationS: Number(values.duration), connections });
  tracer.kill('SIGINT');
  await new Promise((resolve) => tracer.once('exit', resolve));
  const rows = [];
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    // % time, seconds, usecs/call, calls, [errors], syscall
    if (f.length >= 5 && /^\d/.test(f[0]) && f.at(-1) !== 'total') rows.push({ name: f.at(-1), calls: Number(f[3]) });
  }
  rows.sort((a, b) => b.calls - a.calls);
  process.stdout.write(`${sc.name}: ${r.requests} requests in ${values.duration} s (-c${connections}); system calls per request:\n`);
  for (const { name, calls } of rows.filter((x) => x.calls / r.requests >= 0.001)) process.stdout.write(`  ${name.padEnd(14)} ${(calls / r.requests).toFixed(3)}\n`);
} finally {
  await gw?.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
