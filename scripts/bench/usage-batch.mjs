#!/usr/bin/env node
// What turning a usage batch into the bytes of its stream entry costs per event (core's
// usageBatchBuffer, called by the gateway's usage write for every batch), for two builds of
// packages/core, alternated in one process, at the batch sizes the gateway writes: ≈ 20 events
// at a few hundred requests/s, ≈ 200 at 2,000 req/s (GW_USAGE_FLUSH_MS 100), 256 (the
// recorder's most per batch) above that. Builds before the events-in API (texts from
// usageEventJson, then joined) are called the way the gateway called them.
//   node scripts/bench/usage-batch.mjs --a /tmp/before/core-dist [--b packages/core/dist] [--sizes 20,200,256,1000] [--rounds 5]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'packages/core/dist' },
    sizes: { type: 'string', default: '20,200,256' },
    rounds: { type: 'string', default: '5' },
  },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/usage-batch.mjs --a <core dist of the build before> [--b packages/core/dist] [--sizes 20,200,256] [--rounds 5]\n');
  process.exit(2);
}

const event = (i) => ({
  id: `req_${(1e12 + i).toString(36)}`, key_id: 'key_7f3a9c', key_name: 'bench', model: 'gpt-4o-mini', provider: 'fake', upstream_model: 'gpt-4o-mini',
  endpoint: '/chat/completions', prompt_tokens: 12 + (i % 7), completion_tokens: 9 + (i % 5), cached_tokens: 0, estimated: false,
  cost_usd: ((12 * 0.15 + 9 * 0.6) / 1e6) * (1 + (i % 3)), latency_ms: 1 + (i % 4), ttfb_ms: 1, status: 200, attempts: 1, stream: false,
  aborted: false, error: '', ts: 1_765_000_000_000 + i, cache_write_tokens: 0, cache_write_1h_tokens: 0,
});

/** The build's batch writer, from events. */
async function load(dir) {
  const core = await import(pathToFileURL(path.resolve(dir, 'index.js')).href);
  const probe = core.usageBatchBuffer([event(0)]).toString();
  const eventsIn = probe.startsWith('[{');
  return eventsIn ? (evs) => core.usageBatchBuffer(evs) : (evs) => core.usageBatchBuffer(evs.map(core.usageEventJson));
}

const builds = { A: await load(values.a), B: await load(values.b) };
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);

for (const n of sizes) {
  const evs = Array.from({ length: n }, (_, i) => event(i));
  if (!builds.A(evs).equals(builds.B(evs))) throw new Error(`the builds write different bytes for ${n} events`);
  // Enough batches per round for ≈ 200,000 events.
  const reps = Math.max(20, Math.round(200_000 / n));
  const ns = { A: [], B: [] };
  for (let r = 0; r < rounds + 1; r++) {
    for (const k of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) builds[k](evs);
      // The first round warms both up (optimisation) and is not counted.
      if (r > 0) ns[k].push(Number(process.hrtime.bigint() - t) / reps / n);
    }
  }
  const a = median(ns.A);
  const b = median(ns.B);
  process.stdout.write(`${String(n).padStart(5)} events per batch: A ${a.toFixed(0)} ns, B ${b.toFixed(0)} ns per event (B/A ${(b / a).toFixed(2)})\n`);
}
