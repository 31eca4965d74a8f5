#!/usr/bin/env node
// A/B of two gateway builds under one throughput scenario, for before/after numbers of an
// optimisation on a machine whose background load drifts: both gateways run side by side
// against the same Redis and fake provider, and wrk alternates between them (A B B A …), so
// drift hits both alike. Medians of each, and B/A.
//   cp -r packages/gateway/dist /tmp/before/dist && ln -s $PWD/node_modules /tmp/before/node_modules
//   … change, build …
//   node scripts/bench/ab.mjs --a /tmp/before/dist/main.js [--b packages/gateway/dist/main.js] \
//     [--scenario chat] [--rounds 6] [--duration 5] [--connections 64] [--b-nolimits]
//     [--a-node-args=…] [--b-node-args=--max-semi-space-size=32]  (with "=": the value starts with a dash)
//     [--a-env '{"GW_UPSTREAM_CLIENT":"undici"}'] [--b-env '{…}']   (one build, two settings)
//   --b-nolimits: B uses a key without limits/budgets (what admission and accounting cost)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { waitIdle, watchProcess } from './lib/proc.mjs';
import { median } from './lib/report.mjs';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';
import { enablePinning } from './lib/pin.mjs';

const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    a: { type: 'string' },
    b: { type: 'string', default: stack.GATEWAY_MAIN },
    scenario: { type: 'string', default: 'chat' },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    // B uses a key without limits or budgets: the cost of admission and accounting.
    'b-nolimits': { type: 'boolean', default: false },
    // Node.js flags for one side (space-separated), e.g. --b-node-args=--max-semi-space-size=32.
    'a-node-args': { type: 'string', default: '' },
    'b-node-args': { type: 'string', default: '' },
    // Extra environment for one side (JSON), e.g. --a-env '{"GW_UPSTREAM_CLIENT":"undici"}'.
    'a-env': { type: 'string', default: '{}' },
    'b-env': { type: 'string', default: '{}' },
  },
});
if (values.pin) enablePinning(); // the gateway on cores of its own, the load on core 0 (lib/pin.mjs)
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/ab.mjs --a <before/main.js> [--b <after/main.js>] [--scenario chat] [--rounds 6] [--duration 5]\n');
  process.exit(2);
}
const scenarios = values.scenario.split(',').map((n) => THROUGHPUT.find((s) => s.name === n) ?? process.exit(2));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-ab-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
const gws = [];
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  const keyB = values['b-nolimits'] ? await stack.seedRegistry(redis.url, fake.url, { plainKey: true }) : rawKey;
  const nodeArgs = (side) => values[`${side}-node-args`].split(' ').filter(Boolean);
  const env = (side) => JSON.parse(values[`${side}-env`]);
  gws.push(await stack.startGatewayProcess(redis.url, { main: path.resolve(values.a), name: 'A', nodeArgs: nodeArgs('a'), env: env('a') }));
  gws.push(await stack.startGatewayProcess(redis.url, { main: path.resolve(values.b), name: 'B', nodeArgs: nodeArgs('b'), env: env('b') }));
  for (const sc of scenarios) {
    const bodyFile = writeBody(tmp, sc);
    const conns = sc.connections ?? Number(values.connections);
    const res = { A: [], B: [] };
    for (const g of gws) {
      g.script = writeWrkScript(tmp, `${sc.name}-${g.name}`, { headers: headersFor(sc, g, g.name === 'B' ? keyB : rawKey), bodyFile });
      await runWrk({ url: g.origin + sc.path, script: g.script, durationS: 2, connections: conns }); // warm-up
    }
    const rounds = Number(values.rounds);
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? gws : [...gws].reverse();
      for (const g of order) {
        await waitIdle([fake.pid, ...gws.map((x) => x.pid)]);
        const w = watchProcess(g.pid);
        const r = await runWrk({ url: g.origin + sc.path, script: g.script, durationS: Number(values.duration), connections: conns });
        const s = w.stop();
        // CPU time per request is steadier than req/s when other work shares the cores.
        res[g.name].push({ ...r, cpuPct: s.cpuPct, cpuUs: (s.cpuPct / 100 / r.rps) * 1e6 });
        process.stderr.write(`${sc.name} round ${i + 1} ${g.name}: ${Math.round(r.rps)} req/s p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} cpu ${Math.round(s.cpuPct)}%${r.errors ? ` errors ${r.errors}` : ''}\n`);
      }
    }
    const m = (k, x) => median(res[k].map((r) => r[x]));
    const line = (k) => `${k}: ${Math.round(m(k, 'rps'))} req/s, p50 ${m(k, 'p50').toFixed(2)} ms, p99 ${m(k, 'p99').toFixed(2)} ms, CPU ${Math.round(m(k, 'cpuPct'))}%`;
    process.stdout.write(`${sc.name} (median of ${rounds}, ${values.duration} s each, -c${conns})\n  ${line('A')}\n  ${line('B')}\n  B/A req/s ${(m('B', 'rps') / m('A', 'rps')).toFixed(3)}; gateway CPU per request A ${m('A', 'cpuUs').toFixed(1)} µs, B ${m('B', 'cpuUs').toFixed(1)} µs (B/A ${(m('B', 'cpuUs') / m('A', 'cpuUs')).toFixed(3)})\n`);
  }
} finally {
  for (const g of gws) await g.stop();
  await fake.stop();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
