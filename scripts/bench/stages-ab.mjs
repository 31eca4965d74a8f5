#!/usr/bin/env node
// A/B of two builds' request stages in one process, without sockets: authentication, model
// resolution and the first routing candidate of a request whose registry records are cached
// (the steady state of a busy key), driven the way pipeline/run.ts drives them. No network,
// no Redis, no upstream: what is left is the JavaScript those stages cost, which a shared
// machine's background load moves far less than it moves a socket benchmark. Batches of A
// and B alternate; the medians of the batches, and B/A.
//   node scripts/bench/stages-ab.mjs --a /work/wt-base [--b .] [--batches 20] [--requests 20000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: '.' },
    batches: { type: 'string', default: '20' },
    requests: { type: 'string', default: '20000' },
  },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/stages-ab.mjs --a <worktree of the old build> [--b <worktree>] [--batches 20] [--requests 20000]\n');
  process.exit(2);
}

/** One build's stages, over a registry cache already holding the records. */
async function load(root) {
  const dist = (p) => import(pathToFileURL(path.resolve(root, 'packages', p)).href);
  const core = await dist('core/dist/index.js');
  const { RegistryCache } = await dist('gateway/dist/cache/registry-cache.js');
  const { authenticate } = await dist('gateway/dist/pipeline/authenticate.js');
  const { resolveModel } = await dist('gateway/dist/pipeline/resolve-model.js');
  const { CandidateCursor } = await dist('gateway/dist/routing/candidates.js');
  const { HealthMirror } = await dist('gateway/dist/routing/health-mirror.js');
  const { SecretRotation } = await dist('gateway/dist/routing/secret-rotation.js');
  const { createContext } = await dist('gateway/dist/request-context.js');
  const { ENDPOINTS } = await dist('gateway/dist/api/endpoints.js');
  const { createStats } = await dist('gateway/dist/stats.js');
  const { pino } = await import('pino');
  const log = pino({ level: 'silent' });
  const raw = 'gw-bench-0123456789abcdef0123456789';
  const key = core.ApiKeySchema.parse({ id: 'key_bench', name: 'bench', hash: core.hashKey(raw), prefix: raw.slice(0, 10), rpm: 1e9, tpm: 1e12 });
  const provider = core.ProviderSchema.parse({ name: 'fake', base_url: 'http://127.0.0.1:1/v1', secrets: ['sk-bench-upstream-secret-0001'] });
  const model = core.ModelSchema.parse({ name: 'bench-model', targets: [{ provider: 'fake', model: 'bench-model' }], input_price: 1, output_price: 2 });
  const registry = { getKeyByHash: async () => key, getProvider: async () => provider, getModel: async (n) => (n === model.name ? model : null), revision: async () => 0 };
  const cache = new RegistryCache(registry, { ttlMs: 3_600_000, negativeTtlMs: 3_600_000, revPollMs: 0 }, log);
  const store = { read: async () => new Map(), fail: async () => ({}), probe: async () => ({}), clear: async () => {} };
  const health = new HealthMirror(store, { threshold: 2, windowMs: 10_000, baseMs: 1000, maxMs: 8000, probeLeaseMs: 500, refreshMs: 0 }, createStats(), log);
  const rotation = new SecretRotation();
  const endpoint = ENDPOINTS.get('/chat/completions');
  const req = { method: 'POST', path: '/v1/chat/completions', query: '', headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' }, body: Buffer.alloc(0), receivedAt: 0 };
  let n = 0;
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
  await request(); // fills the cache
  return request;
}

const sides = { A: await load(values.a), B: await load(values.b) };
const perRequestNs = { A: [], B: [] };
const n = Number(values.requests);
for (let i = 0; i < Number(values.batches); i++) {
  for (const name of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const run = sides[name];
    // 64 requests in flight, as under the bench's 64 connections.
    const t0 = process.cpuUsage();
    for (let done = 0; done < n; done += 64) await Promise.all(Array.from({ length: 64 }, run));
    const t = process.cpuUsage(t0);
    if (i > 0) perRequestNs[name].push(((t.user + t.system) * 1e3) / n); // batch 0: warm-up
  }
}
const a = median(perRequestNs.A);
const b = median(perRequestNs.B);
const spread = (xs) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
process.stdout.write(
  `authenticate + resolveModel + first candidate, cached records, CPU ns per request (median of ${perRequestNs.A.length} batches of ${n}):\n` +
    `  A ${Math.round(a)} (${spread(perRequestNs.A)})  B ${Math.round(b)} (${spread(perRequestNs.B)})  B/A ${(b / a).toFixed(3)}\n`,
);
