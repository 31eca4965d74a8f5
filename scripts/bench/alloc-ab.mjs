#!/usr/bin/env node
// Bytes of V8 heap allocated per request under load, for two gateway builds (or one build and
// the bare reference): from the gateway's `--trace-gc-nvp` lines (each GC reports what was
// allocated since the one before) over a wrk window, divided by the window's requests. Unlike
// CPU time it hardly moves with the host's noise, so a change of a few hundred bytes shows;
// and allocation is what makes scavenges frequent (and sweeps the caches) on every request.
// Which sites allocate: `gc-survivors.mjs --all`.
//   node scripts/bench/alloc-ab.mjs --a /tmp/before/dist/main.js [--b packages/gateway/dist/main.js]
//     [--scenario chat|stream20] [--rounds 3] [--duration 5] [--bare] [--pin]
// --bare: also the bare reference (bare-proxy.mjs: uWS + the gateway's HTTP/1 client, no pipeline).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { enablePinning } from './lib/pin.mjs';
import { median } from './lib/report.mjs';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: stack.GATEWAY_MAIN },
    scenario: { type: 'string', default: 'chat' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    bare: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
  },
});
const sc = THROUGHPUT.find((s) => s.name === values.scenario);
if (!values.a || !sc) {
  process.stderr.write('usage: node scripts/bench/alloc-ab.mjs --a <before/main.js> [--b <after/main.js>] [--scenario chat|stream20] [--rounds 3] [--duration 5] [--bare] [--pin]\n');
  process.exit(2);
}
if (values.pin) enablePinning();

/** Bytes allocated according to the nvp lines written after `mark` characters of `file`. */
function allocatedSince(file, mark) {
  let bytes = 0;
  let gcs = 0;
  let scavenges = 0;
  for (const line of readFileSync(file, 'utf8').slice(mark).split('\n')) {
    const m = / allocated=(\d+)/.exec(line);
    if (!m) continue;
    bytes += Number(m[1]);
    gcs++;
    if (/ gc=s /.test(line)) scavenges++;
  }
  return { bytes, gcs, scavenges };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-alloc-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
const targets = [];
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  for (const [name, main] of [['A', path.resolve(values.a)], ['B', path.resolve(values.b)]]) {
    const logFile = path.join(tmp, `${name}.log`);
    const gw = await stack.startGatewayProcess(redis.url, { main, name, nodeArgs: ['--trace-gc-nvp'], logFile });
    targets.push({ ...gw, logFile });
  }
  if (values.bare) {
    const logFile = path.join(tmp, 'bare.log');
    targets.push({ ...(await stack.startBareProxy(fake.origin, { nodeArgs: ['--trace-gc-nvp'], logFile })), logFile });
  }
  const bodyFile = writeBody(tmp, sc);
  const perReq = Object.fromEntries(targets.map((t) => [t.name, []]));
  const scavPerK = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (const t of targets) {
    t.script = writeWrkScript(tmp, t.name, { headers: headersFor(sc, t, rawKey), bodyFile });
    await runWrk({ url: t.origin + sc.path, script: t.script, durationS: 3, connections: 64 }); // warm-up
  }
  for (let i = 0; i < Number(values.rounds); i++) {
    for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
      const mark = readFileSync(t.logFile, 'utf8').length;
      const r = await runWrk({ url: t.origin + sc.path, script: t.script, durationS: Number(values.duration), connections: 64 });
      // Give the last GC line of the window time to be written.
      await new Promise((res) => setTimeout(res, 100));
      const { bytes, gcs, scavenges } = allocatedSince(t.logFile, mark);
      perReq[t.name].push(bytes / r.requests);
      scavPerK[t.name].push((scavenges / r.requests) * 1000);
      process.stderr.write(`round ${i + 1} ${t.name}: ${Math.round(bytes / r.requests)} bytes per request (${r.requests} requests, ${gcs} GCs of which ${scavenges} scavenges)\n`);
    }
  }
  const m = Object.fromEntries(Object.entries(perReq).map(([k, v]) => [k, median(v)]));
  process.stdout.write(`${sc.name}: V8 heap allocated per request (median of ${values.rounds} rounds of ${values.duration} s, wrk -c64)\n`);
  for (const [k, v] of Object.entries(m)) process.stdout.write(`  ${k.padEnd(5)} ${Math.round(v)} bytes, ${median(scavPerK[k]).toFixed(2)} scavenges per 1,000 requests\n`);
  process.stdout.write(`  B/A ${(m.B / m.A).toFixed(3)}\n`);
} finally {
  for (const t of targets) await t.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
