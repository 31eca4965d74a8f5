#!/usr/bin/env node
// How long one usage write holds the event loop, for two builds of the gateway's UsageRecorder
// against a real redis-server, alternated in one process: the records of a batch are queued
// (each `record` call timed: what a request's end pays), then the batch is written and the
// synchronous stretch is timed — from the flush call through the turn's socket write (the
// check phase's immediates) — which is what a request arriving meanwhile waits behind at a
// fixed rate (docs/performance.md, "the tail at 2,000 req/s"). Batch sizes: ≈ 200 events is
// 2,000 req/s with GW_USAGE_FLUSH_MS 100, 256 the recorder's most.
//   node scripts/bench/usage-write-stretch.mjs --a /tmp/wt-base [--b .] [--sizes 200,256] [--rounds 40]
// --a/--b: checkouts whose packages/{core,gateway}/dist are built.
import { parseArgs } from 'node:util';
import { median } from './lib/report.mjs';
import * as stack from './lib/stack.mjs';
import { loadRecorder } from './lib/usage-recorder.mjs';

const { values } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string', default: '.' }, sizes: { type: 'string', default: '200,256' }, rounds: { type: 'string', default: '40' } },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/usage-write-stretch.mjs --a <checkout> [--b <checkout>] [--sizes 200,256] [--rounds 40]\n');
  process.exit(2);
}

let n = 0;
const event = (i) => ({
  id: `req_${(1e12 + n++).toString(36)}`, key_id: `key_${i % 3}`, key_name: 'bench', model: 'gpt-4o-mini', provider: 'fake', upstream_model: 'gpt-4o-mini',
  endpoint: '/chat/completions', prompt_tokens: 12 + (i % 7), completion_tokens: 9 + (i % 5), cached_tokens: 0, estimated: false,
  cost_usd: ((12 * 0.15 + 9 * 0.6) / 1e6) * (1 + (i % 3)), latency_ms: 1 + (i % 4), ttfb_ms: 1, status: 200, attempts: 1, stream: false,
  aborted: false, error: '', ts: Date.now(), cache_write_tokens: 0, cache_write_1h_tokens: 0,
});

const redisServer = await stack.startRedis();
const clients = [];

/** One build's recorder: returns a function writing one batch of `size`, and its timings. */
async function load(root, side) {
  const { rec, close } = await loadRecorder(root, redisServer.url, { pod: `pod-${side}`, bufferMax: 100_000, batchSize: 256 });
  clients.push(close);
  const { day, month } = { day: new Date().toISOString().slice(0, 10), month: new Date().toISOString().slice(0, 7) };
  return async (size) => {
    const events = Array.from({ length: size }, (_, i) => event(i));
    let t = performance.now();
    for (const e of events) rec.record({ event: e, day, month });
    const recordUs = ((performance.now() - t) * 1000) / size;
    t = performance.now();
    const written = rec.flush();
    // The turn's write runs in an immediate queued before this one.
    await new Promise((r) => setImmediate(r));
    const stretchMs = performance.now() - t;
    if (!(await written)) throw new Error('usage write failed');
    return { recordUs, stretchMs };
  };
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
try {
  const sides = { A: await load(values.a, 'A'), B: await load(values.b, 'B') };
  for (const size of values.sizes.split(',').map(Number)) {
    const got = { A: [], B: [] };
    for (let i = 0; i < Number(values.rounds) + 10; i++) {
      for (const name of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
        const r = await sides[name](size);
        if (i >= 10) got[name].push(r); // ten rounds of warm-up
        await new Promise((res) => setTimeout(res, 5));
      }
    }
    const line = (name) => {
      const s = got[name].map((r) => r.stretchMs);
      return `${name}: write stretch median ${median(s).toFixed(3)} ms, p90 ${pct(s, 0.9).toFixed(3)} ms; record ${median(got[name].map((r) => r.recordUs)).toFixed(2)} µs per event`;
    };
    process.stdout.write(`${size} events per batch (${values.rounds} rounds):\n  ${line('A')}\n  ${line('B')}\n`);
  }
} finally {
  for (const close of clients) await close();
  await redisServer.stop();
}
