#!/usr/bin/env node
// A/B of two gateway builds at a fixed request rate (open loop, fixed-rate.mjs): the latency
// each adds over the fake provider itself, and the CPU each spends per request at that rate.
// Both gateways run side by side on one Redis and one fake provider; every round measures the
// fake provider directly and then both gateways, in an order that rotates from round to round,
// so background load drifts over all three alike. Medians of the rounds, and B/A.
//   node scripts/bench/ab-fixed-rate.mjs --a /work/wt-base/packages/gateway/dist/main.js \
//     [--b packages/gateway/dist/main.js] [--rate 2000] [--rounds 5] [--duration 8] [--warmup 2] [--conns 64]
//     [--a-node-args=…] [--b-node-args=…] [--a-env '{…}'] [--b-env '{…}'] [--pin]
// --pin: the gateways on cores 1…n-1, the client, the fake provider and Redis on core 0 (lib/pin.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scrape, scrapeLater, windowStats } from './lib/gateway-metrics.mjs';
import { enablePinning } from './lib/pin.mjs';
import { waitIdle, watchProcess } from './lib/proc.mjs';
import { median } from './lib/report.mjs';
import { FIXED_RATE, headersFor, writeBody } from './lib/scenarios.mjs';
import { runFixedRate } from './lib/fixed-rate-client.mjs';
import * as stack from './lib/stack.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: stack.GATEWAY_MAIN },
    rate: { type: 'string', default: String(FIXED_RATE.rate) },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    conns: { type: 'string', default: '64' },
    'a-node-args': { type: 'string', default: '' },
    'b-node-args': { type: 'string', default: '' },
    'a-env': { type: 'string', default: '{}' },
    'b-env': { type: 'string', default: '{}' },
    pin: { type: 'boolean', default: false },
  },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/ab-fixed-rate.mjs --a <before/main.js> [--b <after/main.js>] [--rate 2000] [--rounds 5] [--duration 8]\n');
  process.exit(2);
}

/** One open-loop window of fixed-rate.mjs against `url`; its JSON summary. */
const fixedRate = (url, bodyFile, headers) =>
  runFixedRate({ url, rate: values.rate, durationS: values.duration, warmupS: values.warmup, conns: values.conns, bodyFile, headers });

if (values.pin) enablePinning();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-ab-fixed-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
const gws = [];
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  const side = (s) => ({ nodeArgs: values[`${s}-node-args`].split(' ').filter(Boolean), env: JSON.parse(values[`${s}-env`]) });
  gws.push(await stack.startGatewayProcess(redis.url, { main: path.resolve(values.a), name: 'A', ...side('a') }));
  gws.push(await stack.startGatewayProcess(redis.url, { main: path.resolve(values.b), name: 'B', ...side('b') }));
  const bodyFile = writeBody(tmp, FIXED_RATE);
  const targets = [{ ...fake, name: 'direct' }, ...gws];
  const res = Object.fromEntries(targets.map((t) => [t.name, []]));
  const rounds = Number(values.rounds);
  for (let i = 0; i < rounds; i++) {
    // direct first, then the gateways A B, B A, … — the reference is taken in the same minute.
    const order = [targets[0], ...(i % 2 === 0 ? gws : [...gws].reverse())];
    for (const t of order) {
      await waitIdle([fake.pid, ...gws.map((g) => g.pid)]);
      // The metrics of the measured window: scraped as fixed-rate.mjs's warm-up ends.
      const before = t.admin ? scrapeLater(t.admin, Number(values.warmup) * 1000) : null;
      const w = t.admin ? watchProcess(t.pid) : null;
      const started = performance.now();
      const r = await fixedRate(t.origin + FIXED_RATE.path, bodyFile, headersFor(FIXED_RATE, t, rawKey));
      const s = w?.stop();
      // The window includes fixed-rate.mjs's warm-up: CPU time over every request it sent.
      const sent = Number(values.rate) * (Number(values.duration) + Number(values.warmup));
      if (s) r.cpuUs = ((s.cpuPct / 100) * ((performance.now() - started) / 1000) * 1e6) / sent;
      if (s) r.faults = s.minflt / sent;
      if (before) Object.assign(r, windowStats(await before, await scrape(t.admin)));
      res[t.name].push(r);
      const extra = t.admin ? `  cpu ${r.cpuUs.toFixed(1)} µs/req  loop p99 ≤ ${r.loopDelayP99Ms ?? '?'} ms  own p99 ≤ ${r.ownP99Ms ?? '?'} ms  gc minor ${r.gc_minor_n}/${r.gc_minor_ms.toFixed(0)} ms  faults ${r.faults.toFixed(3)}/req` : '';
      process.stderr.write(`round ${i + 1} ${t.name.padEnd(6)} ${Math.round(r.achievedRate)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)}  p99.9 ${r.p999.toFixed(3)} ms${r.errors + r.non2xx ? `  ERRORS ${r.errors + r.non2xx}` : ''}${extra}\n`);
    }
  }
  const m = (name, k) => median(res[name].map((r) => r[k]));
  // Added latency per round (gateway − that round's direct), then the median: drift between rounds cancels.
  const added = (name, k) => median(res[name].map((r, i) => r[k] - res.direct[i][k]));
  const out = [`fixed rate ${values.rate} req/s, median of ${rounds} rounds of ${values.duration} s (ms)`, `  direct: p50 ${m('direct', 'p50').toFixed(3)}  p99 ${m('direct', 'p99').toFixed(3)}`];
  for (const g of ['A', 'B']) {
    out.push(`  ${g}: p50 ${m(g, 'p50').toFixed(3)}  p99 ${m(g, 'p99').toFixed(3)}  added p50 ${added(g, 'p50').toFixed(3)}  added p99 ${added(g, 'p99').toFixed(3)}  CPU ${m(g, 'cpuUs').toFixed(1)} µs/req  page faults ${m(g, 'faults').toFixed(3)}/req`);
  }
  out.push(`  B/A added p99 ${(added('B', 'p99') / added('A', 'p99')).toFixed(3)}; CPU per request B/A ${(m('B', 'cpuUs') / m('A', 'cpuUs')).toFixed(3)}`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  for (const g of gws) await g.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
