#!/usr/bin/env node
// A/B of two builds' governance in one process, against a real redis-server: what admission
// and accounting cost a served chat request of a key with every limit and budget (rpm, tpm,
// concurrency, daily and monthly budgets) once the key is busy — admissions from the pod's
// lease, the rate-limit headers, the reservation, the release, the bill and the usage record,
// and the usage writes themselves (their JavaScript and ioredis's encoding; Redis's own CPU is
// another process). The requests go through the real stages around it (authentication, body,
// model resolution from a cached registry) and `finish`, but no socket and no upstream. Batches
// of A and B alternate, 64 requests in flight; the medians of the batches, and B/A.
//   node scripts/bench/governance-ab.mjs --a /work/wt-base [--b .] [--batches 16] [--requests 10000] [--pin]
// --a/--b: checkouts whose packages/{core,gateway}/dist are built.
// Resolution: the same build against itself read 0.94-0.98 with batches from 7.3 to 14.5 µs
// (its Redis round trips and the usage writes' garbage vary), so it sees a change of about a
// tenth of the governance path, not one of 100 ns.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { enablePinning, pinPid } from './lib/pin.mjs';
import { abLines, alternateBatches } from './lib/batch-ab.mjs';
import { buildOf, cachedRegistry } from './lib/cached-registry.mjs';
import * as stack from './lib/stack.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: '.' },
    batches: { type: 'string', default: '16' },
    requests: { type: 'string', default: '10000' },
    pin: { type: 'boolean', default: false },
  },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/governance-ab.mjs --a <checkout> [--b <checkout>] [--batches 16] [--requests 10000] [--pin]\n');
  process.exit(2);
}

// --pin: this process (the one measured) on cores 1…n-1, redis-server on core 0 (lib/pin.mjs).
if (values.pin) {
  enablePinning();
  pinPid(process.pid, 'target');
}
const redisServer = await stack.startRedis();
const clients = [];

/** One build's governance and the stages before it, over a cached registry; a served request per call. */
async function load(root, side) {
  const dist = buildOf(root);
  const raw = `gw-bench-${side}-0123456789abcdef0123456789`;
  // The bench key's limits (lib/stack.mjs): far above the load, so every check runs and nothing is refused.
  const { core, log, model, cache } = await cachedRegistry(dist, {
    raw,
    key: { id: `key_bench_${side}`, rpm: 1e9, tpm: 1e12, max_concurrency: 1e6, budget_daily: 1e9, budget_monthly: 1e9 },
    model: { name: 'gpt-4o-mini', price_input: 0.15, price_output: 0.6 },
  });
  const { authenticate } = await dist('gateway/dist/pipeline/authenticate.js');
  const { resolveModel } = await dist('gateway/dist/pipeline/resolve-model.js');
  const { createContext } = await dist('gateway/dist/request-context.js');
  const { ENDPOINTS } = await dist('gateway/dist/api/endpoints.js');
  const { createStats } = await dist('gateway/dist/stats.js');
  const { parseBody } = await dist('gateway/dist/pipeline/parse-body.js');
  const { finish } = await dist('gateway/dist/pipeline/finish.js');
  const { createGovernance } = await dist('gateway/dist/governance/governance.js');
  const redis = new Redis(redisServer.url, { lazyConnect: false });
  clients.push(redis);
  const stats = createStats();
  const gov = createGovernance(
    redis,
    {
      windowMs: core.RATE_WINDOW_MS, leaseMs: 60_000, timeoutMs: 500, failClosed: false, leases: true,
      usageEnabled: true, usageBufferMax: 1_000_000, usageStreamMaxLen: 1_000_000, usageRetryMs: 500, usageFlushMs: 100,
      reserveOutputTokens: 4096, unpricedModels: 'refuse', usageRollupTtl: { hourS: 8 * 86_400, dayS: 400 * 86_400 },
    },
    stats,
    log,
  );
  clients.push({ quit: async () => gov.close() });
  const endpoint = ENDPOINTS.get('/chat/completions');
  const body = Buffer.from(JSON.stringify({ model: model.name, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 }));
  const req = { method: 'POST', path: '/v1/chat/completions', query: '', headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' }, body, receivedAt: 0 };
  const usage = { promptTokens: 12, completionTokens: 9, cachedTokens: 0, estimated: false };
  let n = 0;
  async function request() {
    const ctx = createContext(`r${side}${n++}`, req, { aborted: false }, endpoint, log);
    let p = authenticate(ctx, cache);
    if (p) await p;
    gov.account(ctx);
    parseBody(ctx);
    p = resolveModel(ctx, cache);
    if (p) await p;
    p = gov.admit(ctx);
    if (p) await p;
    // A served answer, as forward.ts and the relay leave the context.
    ctx.attempts.push({ provider: 'fake', model: model.name, secretIndex: 0, startedAt: ctx.t0 + 0.2, status: 200, ttfbMs: 1.5, endedAt: ctx.t0 + 2 });
    ctx.served = ctx.targets[0];
    ctx.tFirstByte = ctx.t0 + 1.7;
    ctx.status = 200;
    ctx.usage = usage;
    finish(ctx);
  }
  // Until the key holds a lease (a busy key's steady state): requests, then a pause for the grant.
  for (let i = 0; i < 20; i++) {
    await Promise.all(Array.from({ length: 64 }, request));
    await new Promise((r) => setTimeout(r, 20));
  }
  request.stats = stats;
  request.flush = () => gov.flush();
  return request;
}

try {
  const sides = { A: await load(values.a, 'A'), B: await load(values.b, 'B') };
  const n = Number(values.requests);
  // The usage a batch left buffered belongs to it: written before its clock stops.
  const us = await alternateBatches(sides, { batches: Number(values.batches), requests: n, settle: (name) => sides[name].flush() });
  for (const [name, run] of Object.entries(sides)) {
    const st = run.stats;
    process.stderr.write(`${name}: ${st.leaseAdmissions} admissions from leases, ${st.usageEventsWritten} usage events written, ${st.usageEventsDropped} dropped, ${st.redisErrors} Redis errors\n`);
  }
  process.stdout.write(
    `governance of a served chat request (key with every limit and budget, from its lease), 64 in flight, CPU ns per request (median of ${us.A.length} batches of ${n}):\n` +
      abLines(us, { scale: 1e3 }),
  );
} finally {
  for (const c of clients.reverse()) await c.quit().catch(() => {});
  await redisServer.stop();
}
