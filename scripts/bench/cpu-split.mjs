#!/usr/bin/env node
// Where a target's CPU per request goes, user space against the kernel, with its minor page
// faults: read from /proc/<pid>/stat (utime, stime, minflt) around each wrk window. The same
// system calls cost the kernel more or less depending on the host (on this paravirtualised VM
// a write that wakes a sleeping peer costs a VM exit), so the split says whether a gap is our
// JavaScript or the kernel's share of the same work. Rounds rotate over the targets; medians.
//   node scripts/bench/cpu-split.mjs [--scenario chat] [--rounds 3] [--duration 5] [--pin] [--parts]
// Targets: `bare` (uWS + the gateway's HTTP/1 client, no pipeline), `gateway` (the bench key:
// limits, leases, budgets, usage, metrics) and `minimal` (the same gateway with usage off, no
// admin listener, and a key without limits or budgets: no governance at all).
// --parts: instead, the gateway with one part off at a time: `no-usage` (GW_USAGE_ENABLED=0,
// which also ends budget reservations), `no-limits` (a key without limits or budgets),
// `no-admin` (no admin listener: no /metrics scrapes; the metrics are still counted).
// --pin: each target on cores 1…n-1, wrk, the fake provider and Redis on core 0 (lib/pin.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { enablePinning } from './lib/pin.mjs';
import { procTimes } from './lib/proc.mjs';
import { median } from './lib/report.mjs';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'chat' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    pin: { type: 'boolean', default: false },
    parts: { type: 'boolean', default: false },
  },
});
const sc = THROUGHPUT.find((s) => s.name === values.scenario);
if (!sc) {
  process.stderr.write(`unknown scenario ${values.scenario} (${THROUGHPUT.map((s) => s.name).join(', ')})\n`);
  process.exit(2);
}
if (values.pin) enablePinning();

const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-cpu-split-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
const started = [];
try {
  const key = await stack.seedRegistry(redis.url, fake.url);
  const plainKey = await stack.seedRegistry(redis.url, fake.url, { plainKey: true });
  const gateway = async (name, env, k) => {
    const t = await stack.startGatewayProcess(redis.url, { name, env });
    started.push(t);
    return { name, t, key: k };
  };
  const targets = [];
  if (values.parts) {
    targets.push(await gateway('gateway', {}, key));
    targets.push(await gateway('no-usage', { GW_USAGE_ENABLED: '0' }, key));
    targets.push(await gateway('no-limits', {}, plainKey));
    targets.push(await gateway('no-admin', { GW_ADMIN_PORT: '' }, key));
  } else {
    const bare = await stack.startBareProxy(fake.origin);
    started.push(bare);
    targets.push({ name: 'bare', t: bare, key });
    targets.push(await gateway('gateway', {}, key));
    targets.push(await gateway('minimal', { GW_USAGE_ENABLED: '0', GW_ADMIN_PORT: '' }, plainKey));
  }
  const bodyFile = writeBody(tmp, sc);
  const conns = sc.connections ?? 64;
  const rows = Object.fromEntries(targets.map((x) => [x.name, []]));
  const rounds = Number(values.rounds);
  const durationS = Number(values.duration);
  for (let round = 0; round < rounds; round++) {
    // Rotated, so that the host's drift falls on every target alike.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const x of order) {
      const script = writeWrkScript(tmp, x.name, { headers: headersFor(sc, x.t, x.key), bodyFile });
      const url = x.t.origin + sc.path;
      if (round === 0) await runWrk({ url, script, durationS: 2, connections: conns }); // warm-up
      const a = procTimes(x.t.pid);
      const r = await runWrk({ url, script, durationS, connections: conns });
      const b = procTimes(x.t.pid);
      const n = r.rps * durationS;
      const row = { rps: r.rps, user: ((b.user - a.user) * 1e6) / n, sys: ((b.sys - a.sys) * 1e6) / n, faults: (b.minflt - a.minflt) / n, errors: r.errors + (r.non2xx ?? 0) };
      rows[x.name].push(row);
      process.stderr.write(`round ${round + 1} ${x.name.padEnd(9)} ${Math.round(r.rps)} req/s  user ${row.user.toFixed(1)} µs  kernel ${row.sys.toFixed(1)} µs  faults ${row.faults.toFixed(3)}/req${row.errors ? `  ERRORS ${row.errors}` : ''}\n`);
    }
  }
  const m = (name, k) => median(rows[name].map((r) => r[k]));
  const out = [`${sc.name}: CPU per request (median of ${rounds} rounds of ${durationS} s, -c${conns}${values.pin ? ', pinned' : ''}), µs`];
  out.push(`  ${'target'.padEnd(9)} ${'req/s'.padStart(7)} ${'user'.padStart(6)} ${'kernel'.padStart(6)} ${'total'.padStart(6)}  page faults/req`);
  for (const { name } of targets) {
    out.push(`  ${name.padEnd(9)} ${String(Math.round(m(name, 'rps'))).padStart(7)} ${m(name, 'user').toFixed(1).padStart(6)} ${m(name, 'sys').toFixed(1).padStart(6)} ${(m(name, 'user') + m(name, 'sys')).toFixed(1).padStart(6)}  ${m(name, 'faults').toFixed(3)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  for (const t of started) await t.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
