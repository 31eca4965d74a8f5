// Redis CPU per usage record through the real UsageRecorder (built dist), steady state:
// events "now", a few keys/models/providers, batches of --batch records per flush.
// usage: node scripts/bench/usage-cost.mjs [--dist <a built checkout, default this one>] [--events 200000] [--batch 64] [--keys 1]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
const { values: o } = parseArgs({ options: { 'no-rollups': { type: 'boolean', default: false }, 'no-spend': { type: 'boolean', default: false }, dist: { type: 'string' }, events: { type: 'string', default: '100000' }, batch: { type: 'string', default: '64' }, keys: { type: 'string', default: '1' }, models: { type: 'string', default: '2' }, rounds: { type: 'string', default: '1' } } });
const root = o.dist ?? new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const imp = (p) => import(pathToFileURL(`${root}/${p}`).href);
const { Redis } = await import(pathToFileURL(`${root}/node_modules/ioredis/built/index.js`).href);
const { RT_KEYS } = await imp('packages/core/dist/index.js');
const { defineGovernanceCommands } = await imp('packages/gateway/dist/governance/limit-scripts.js');
const { RedisTurn } = await imp('packages/gateway/dist/governance/redis-turn.js');
const { UsageRecorder } = await imp('packages/gateway/dist/governance/usage-recorder.js');
const { createStats } = await imp('packages/gateway/dist/stats.js');
const { freePort, startRedis } = await import(pathToFileURL(`${root}/scripts/lib/local-redis.mjs`).href);
const pino = (await import(pathToFileURL(`${root}/node_modules/pino/pino.js`).href)).default;
const server = await startRedis({ port: await freePort() });
const redis = defineGovernanceCommands(new Redis(server.url));
const N = Number(o.events), B = Number(o.batch);
const stats = createStats();
const rec = new UsageRecorder(redis, new RedisTurn(redis), { bufferMax: 1e6, streamMaxLen: 1_000_000, retryMs: 100, pod: 'bench', batchSize: B, flushMs: 1e6, ...(o['no-rollups'] ? { rollupTtl: null } : {}) }, stats, pino({ level: 'silent' }));
const now = new Date();
const day = now.toISOString().slice(0, 10), month = now.toISOString().slice(0, 7);
const cmdstats = async () => Object.fromEntries([...(await redis.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+),usec=(\d+)/gm)].map(([, c, n, us]) => [c, { calls: +n, us: +us }]));
const results = [];
for (let round = 0; round < Number(o.rounds); round++) {
  await redis.flushdb();
  await redis.config('RESETSTAT');
  for (let i = 0; i < N; i += B) {
    const pipe = redis.pipeline();
    for (let j = i; j < Math.min(N, i + B); j++) pipe.zadd(RT_KEYS.keyReservations(`key_${j % Number(o.keys)}_0123456789abcdef`), Date.now() + 60000, `res_${j}|123000`);
    await pipe.exec();
    for (let j = i; j < Math.min(N, i + B); j++) {
      const k = j % Number(o.keys);
      rec.record({ event: { id: `req_${j}_xxxxxxxxxxxxxxxx`, key_id: `key_${k}_0123456789abcdef`, key_name: `key-${k}`, model: `model-${j % Number(o.models)}`, provider: 'provider-0', upstream_model: 'gpt-4o-mini', endpoint: '/v1/chat/completions', prompt_tokens: 20 + (j % 7), completion_tokens: 10 + (j % 5), cached_tokens: j % 3 === 0 ? 4 : 0, estimated: false, cost_usd: 0.000123, latency_ms: 3 + (j % 4), ttfb_ms: 2, status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: Date.now(), cache_write_tokens: 0, cache_write_1h_tokens: 0 }, day, month, reservation: `res_${j}|123000`, spend: !o['no-spend'] });
    }
    await rec.flush();
  }
  const s = await cmdstats();
  const ev = s.evalsha ?? { us: 0, calls: 0 };
  const inner = Object.entries(s).filter(([c]) => !['evalsha', 'config', 'info', 'flushdb', 'script', 'eval'].includes(c));
  results.push({ round, usPerEvent: +(ev.us / N).toFixed(2), evalCalls: ev.calls, inner: Object.fromEntries(inner.map(([c, v]) => [c, `${v.calls} calls ${(v.us / N).toFixed(2)}us/ev`])) });
}
console.log(JSON.stringify(results, null, 1));
rec.close();
await redis.quit();
await server.stop();
