#!/usr/bin/env node
// The pod's share of the usage rollups (rollupArgs, aggregate form) of two builds in one
// process, rounds alternating: ns per event of a batch of one key, model and provider.
//   node scripts/bench/rollup-args-ab.mjs --a <checkout before> [--b <checkout, default this one>] [--batch 60] [--rounds 3]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: o } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string' }, batch: { type: 'string', default: '60' }, rounds: { type: 'string', default: '3' } } });
if (!o.a) throw new Error('--a <checkout> is required');
const here = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const load = async (root) => (await import(pathToFileURL(`${root}/packages/gateway/dist/governance/usage-rollup-args.js`).href)).rollupArgs;
const builds = [['A', await load(o.a)], ['B', await load(o.b ?? here)]];
const now = Date.now();
const events = Array.from({ length: Number(o.batch) }, (_, j) => ({
  id: `req_${j}`, key_id: 'key_0_0123456789abcdef', key_name: 'k', model: 'gpt-4o-mini', provider: 'fake', upstream_model: 'gpt-4o-mini',
  endpoint: '/v1/chat/completions', prompt_tokens: 20, completion_tokens: 10, cached_tokens: 0, estimated: false, cost_usd: 0.000123,
  latency_ms: 3, ttfb_ms: 2, status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: now + j, cache_write_tokens: 0, cache_write_1h_tokens: 0,
}));
const ttl = { hourS: 100, dayS: 1000 };
for (let round = 0; round < Number(o.rounds); round++) {
  for (const [name, rollupArgs] of builds) {
    for (let i = 0; i < 2000; i++) rollupArgs(events, ttl, true);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 20000; i++) rollupArgs(events, ttl, true);
    console.log(`round ${round + 1} ${name}: ${(Number(process.hrtime.bigint() - t0) / 20000 / events.length).toFixed(0)} ns per event`);
  }
}
