#!/usr/bin/env node
// A/B of two builds' request stages in one process, without sockets: authentication, model
// resolution and the first routing candidate of a request whose registry records are cached
// (the steady state of a busy key), driven the way pipeline/run.ts drives them. No network,
// no Redis, no upstream: what is left is the JavaScript those stages cost, which a shared
// machine's background load moves far less than it moves a socket benchmark. Batches of A
// and B alternate; the medians of the batches, and B/A.
// `--full` adds the rest of the pipeline's own JavaScript around those stages: the context as
// app.ts makes it, the body parsed (the bench's chat body), the health watch and the routing
// plan, forward.ts's health and target bookkeeping of an attempt that answers, and at the end the metrics and `finish` of a served request (the upstream call and the
// relay themselves are left out: they are other modules' and need sockets).
//   node scripts/bench/stages-ab.mjs --a /work/wt-base [--b .] [--batches 20] [--requests 20000] [--full]
import { parseArgs } from 'node:util';
import { abLines, alternateBatches } from './lib/batch-ab.mjs';
import { buildOf, cachedRegistry } from './lib/cached-registry.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: '.' },
    batches: { type: 'string', default: '20' },
    requests: { type: 'string', default: '20000' },
    full: { type: 'boolean', default: false },
  },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/stages-ab.mjs --a <worktree of the old build> [--b <worktree>] [--batches 20] [--requests 20000]\n');
  process.exit(2);
}

/** One build's stages, over a registry cache already holding the records. */
async function load(root) {
  const dist = buildOf(root);
  const raw = 'gw-bench-0123456789abcdef0123456789';
  const { core, log, model, cache } = await cachedRegistry(dist, {
    raw,
    key: { id: 'key_bench', rpm: 1e9, tpm: 1e12 },
    model: { name: 'bench-model', input_price: 1, output_price: 2 },
  });
  const { authenticate } = await dist('gateway/dist/pipeline/authenticate.js');
  const { resolveModel } = await dist('gateway/dist/pipeline/resolve-model.js');
  const { CandidateCursor } = await dist('gateway/dist/routing/candidates.js');
  const { HealthMirror } = await dist('gateway/dist/routing/health-mirror.js');
  const { SecretRotation } = await dist('gateway/dist/routing/secret-rotation.js');
  const { createContext } = await dist('gateway/dist/request-context.js');
  const { ENDPOINTS } = await dist('gateway/dist/api/endpoints.js');
  const { createStats } = await dist('gateway/dist/stats.js');
  const { parseBody } = await dist('gateway/dist/pipeline/parse-body.js');
  const { finish } = await dist('gateway/dist/pipeline/finish.js');
  const { Router } = await dist('gateway/dist/routing/router.js');
  const { TargetStats } = await dist('gateway/dist/routing/target-stats.js');
  const { targetId } = await dist('gateway/dist/routing/policy.js');
  const { GatewayMetrics } = await dist('gateway/dist/observability/metrics.js');
  const store = { read: async () => new Map(), fail: async () => ({}), probe: async () => ({}), clear: async () => {} };
  const health = new HealthMirror(store, { threshold: 2, windowMs: 10_000, baseMs: 1000, maxMs: 8000, probeLeaseMs: 500, refreshMs: 0 }, createStats(), log);
  const rotation = new SecretRotation();
  const endpoint = ENDPOINTS.get('/chat/completions');
  const req = { method: 'POST', path: '/v1/chat/completions', query: '', headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' }, body: Buffer.alloc(0), receivedAt: 0 };
  const body = Buffer.from(JSON.stringify({ model: model.name, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] }));
  const fullReq = { ...req, body };
  const stats = createStats();
  const metrics = new GatewayMetrics(
    { stats, cacheStats: { hits: 0, misses: 0, stale: 0, errors: 0 }, registry: { revision: 0, healthy: true }, inFlight: { count: 0 }, build: { version: '0', node: process.version, uwsKind: 'native' } },
    { processMetrics: false },
  );
  metrics.stop();
  const targetStats = new TargetStats();
  const router = new Router(targetStats, { exploreRate: 0 });
  const inFlight = { count: 0 };
  const leave = () => inFlight.count--;
  const onEnd = (ctx) => metrics.observeRequest(ctx);
  const usage = { promptTokens: 12, completionTokens: 9, cachedTokens: 0, estimated: false };
  let n = 0;
  async function fullRequest() {
    const ctx = createContext(`r${n++}`, fullReq, { aborted: false }, endpoint, log);
    inFlight.count++;
    ctx.onFinish.push(leave);
    let p = authenticate(ctx, cache);
    if (p) await p;
    parseBody(ctx);
    p = resolveModel(ctx, cache);
    if (p) await p;
    const w = health.watch(ctx.targets.map((t) => t.provider.name));
    if (w) await w;
    const plan = router.plan(ctx);
    const cursor = new CandidateCursor(plan.targets, health, rotation, { endpoint });
    const first = cursor.next('target');
    const c = first instanceof Promise ? await first : first;
    if (!c) throw new Error('no candidate');
    // forward.ts's bookkeeping around an attempt that answers well.
    const id = targetId(c.target);
    const subjects = c.secretSubject ? [core.PROVIDER_SUBJECT, c.targetSubject, c.secretSubject] : [core.PROVIDER_SUBJECT, c.targetSubject];
    targetStats.begin(id);
    targetStats.observeTtfb(id, 1.5);
    health.recover(c.target.provider.name, subjects);
    health.succeed(c.target.provider.name, subjects);
    targetStats.end(id);
    ctx.tUpstreamStart = ctx.t0 + 0.2;
    ctx.attempts.push({ provider: c.target.provider.name, model: c.target.model, secretIndex: c.secretIndex, startedAt: ctx.tUpstreamStart, status: 200, ttfbMs: 1.5, endedAt: ctx.t0 + 2 });
    ctx.tFirstByte = ctx.t0 + 1.7;
    ctx.tUpstreamEnd = ctx.t0 + 2;
    ctx.served = c.target;
    ctx.status = 200;
    ctx.usage = usage;
    ctx.costUsd = 0.00003;
    finish(ctx, onEnd);
  }
  async function request() {
    const ctx = createContext(`r${n++}`, req, {}, endpoint, log);
    let p = authenticate(ctx, cache);
    if (p) await p;
    ctx.publicModel = model.name; // parseBody's part
    p = resolveModel(ctx, cache);
    if (p) await p;
    const cursor = new CandidateCursor(ctx.targets, health, rotation, { endpoint });
    const first = cursor.next('target');
    const c = first instanceof Promise ? await first : first;
    if (!c) throw new Error('no candidate');
  }
  const run = values.full ? fullRequest : request;
  await run(); // fills the cache
  return run;
}

const sides = { A: await load(values.a), B: await load(values.b) };
const n = Number(values.requests);
// 64 requests in flight, as under the bench's 64 connections.
const us = await alternateBatches(sides, { batches: Number(values.batches), requests: n });
process.stdout.write(
  `${values.full ? "context, authenticate, parseBody, resolveModel, health watch, plan, first candidate, metrics and finish" : "authenticate + resolveModel + first candidate"}, cached records, CPU ns per request (median of ${us.A.length} batches of ${n}):\n` +
    abLines(us, { scale: 1e3 }),
);
