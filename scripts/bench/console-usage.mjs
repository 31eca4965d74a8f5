#!/usr/bin/env node
// How long the console's usage pages take with N usage events in Redis (default 100 000):
//   npm run build && node scripts/bench/console-usage.mjs [N]
// Starts a private redis-server, writes N events spread over the last 30 days into the usage
// stream, starts the console on a free port, and times GET /api/v1/overview (24 h, 30 days) and
// GET /api/v1/usage?by=model (30 days), 5 runs each (median printed). The console reads usage
// through packages/console/src/usage-source.ts: today a scan of the stream, so these numbers
// grow with N; they are the baseline the per-hour/day rollups are measured against.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { createRedis, encodeUsageEvent, RT_KEYS, createAdminToken } = await import(`${root}packages/core/dist/index.js`);
const N = Number(process.argv[2] ?? 100_000);
const DAY = 86_400_000;

const r = await startRedis();
const redis = createRedis({ url: r.url });
const now = Date.now();
const models = ['gpt-4o-mini', 'gpt-4o', 'claude-3-5-haiku', 'text-embedding-3-small'];
for (let i = 0; i < N; i += 5000) {
  const pipe = redis.pipeline();
  for (let j = i; j < Math.min(N, i + 5000); j++) {
    const ts = now - 30 * DAY + Math.floor((j / N) * 30 * DAY);
    const e = {
      id: `req_${j}`, key_id: `key_${j % 50}`, key_name: `k${j % 50}`, model: models[j % 4], provider: 'p', upstream_model: models[j % 4], endpoint: 'chat',
      prompt_tokens: 100, completion_tokens: 20, cached_tokens: 0, estimated: false, cost_usd: 0.0001, latency_ms: 300, ttfb_ms: 100, status: j % 50 ? 200 : 500,
      attempts: 1, stream: false, aborted: false, error: '', ts,
    };
    pipe.xadd(RT_KEYS.usageStream, `${ts}-${j}`, ...encodeUsageEvent(e));
  }
  await pipe.exec();
}
const { raw } = await createAdminToken(redis, 'bench', 'viewer', 'bench');
const port = await freePort();
const con = spawn(process.execPath, [`${root}packages/console/dist/main.js`], { env: { ...process.env, REDIS_URL: r.url, CONSOLE_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => con.stdout.on('data', (d) => d.toString().includes('console listening') && resolve()));

async function time(path) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${raw}` } });
    await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    runs.push(performance.now() - t);
  }
  return runs.sort((a, b) => a - b)[2].toFixed(0);
}
console.log(`${N} usage events over 30 days`);
console.log(`GET /api/v1/overview (24 h):        ${await time('/api/v1/overview')} ms`);
console.log(`GET /api/v1/overview (30 days):     ${await time(`/api/v1/overview?from=${now - 30 * DAY}&to=${now}`)} ms`);
console.log(`GET /api/v1/usage?by=model (30 d):  ${await time(`/api/v1/usage?by=model&from=${now - 30 * DAY}&to=${now}`)} ms`);
con.kill('SIGTERM');
await redis.quit();
await r.stop();
