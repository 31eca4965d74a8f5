#!/usr/bin/env node
// Profile the gateway's hot path: the built gateway runs under `node --cpu-prof` while wrk
// drives one throughput scenario at it; then the profile's top self-time functions print.
//   node scripts/bench/profile.mjs [--scenario chat] [--duration 10] [--connections 64] [--out dir] [--env '{"GW_LOG_LEVEL":"info"}']
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summariseProfile } from './cpuprofile-top.mjs';
import { watchProcess } from './lib/proc.mjs';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';
import { enablePinning } from './lib/pin.mjs';

const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    scenario: { type: 'string', default: 'chat' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    top: { type: 'string', default: '25' },
    out: { type: 'string' },
    env: { type: 'string', default: '{}' },
  },
});
if (values.pin) enablePinning(); // the gateway on cores of its own, the load on core 0 (lib/pin.mjs)
const sc = THROUGHPUT.find((s) => s.name === values.scenario);
if (!sc) {
  process.stderr.write(`unknown scenario ${values.scenario} (${THROUGHPUT.map((s) => s.name).join(', ')})\n`);
  process.exit(2);
}
const out = values.out ?? mkdtempSync(path.join(os.tmpdir(), 'llmgw-profile-'));
mkdirSync(out, { recursive: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-bench-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
let gw;
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  const spawnedAt = performance.now();
  gw = await stack.startGatewayProcess(redis.url, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`], env: JSON.parse(values.env) });
  const script = writeWrkScript(tmp, sc.name, { headers: headersFor(sc, gw, rawKey), bodyFile: writeBody(tmp, sc) });
  const url = gw.origin + sc.path;
  const conns = sc.connections ?? Number(values.connections);
  await runWrk({ url, script, durationS: 2, connections: conns }); // warm-up (profiled too; it is short)
  // Boot and warm-up are left out of the summary.
  const skipMs = Math.round(performance.now() - spawnedAt);
  const w = watchProcess(gw.pid);
  const r = await runWrk({ url, script, durationS: Number(values.duration), connections: conns });
  const s = w.stop();
  process.stdout.write(`${sc.name}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, gateway CPU ${Math.round(s.cpuPct)}%, RSS ${Math.round(s.rssMaxMB)} MB, errors ${r.errors}\n`);
  await gw.stop('SIGTERM'); // the profile is written when the process exits
  gw = null;
  const file = readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
  if (!file) throw new Error(`no .cpuprofile in ${out}`);
  const sum = summariseProfile(JSON.parse(readFileSync(path.join(out, file), 'utf8')), Number(values.top), skipMs);
  process.stdout.write(`profile ${path.join(out, file)} (${sum.totalMs} ms sampled after the first ${skipMs} ms of boot and warm-up)\n\nself time by function:\n`);
  for (const f of sum.functions) process.stdout.write(`${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.name}\n`);
  process.stdout.write('\nself time by file:\n');
  for (const f of sum.files) process.stdout.write(`${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.name}\n`);
} finally {
  await gw?.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
