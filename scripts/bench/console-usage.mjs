#!/usr/bin/env node
// How long the console's usage pages take with N usage events in Redis (default 1 000 000):
//   npm run build && node scripts/bench/console-usage.mjs [N]
// Starts a private redis-server, writes N events spread over the last 30 days: their rollups
// through the data plane's own usage script (gwXaddOnce, 256 per call as a pod batches them), the
// events into the stream (bounded as GW_USAGE_STREAM_MAXLEN's default 1 000 000) with ids at
// their own time, as pods would have written them over the month; starts the console
// on a free port, and times what the Overview and Usage pages ask (whole hours or days up to the
// end of the current one), then ranges that end now (the minutes before the first and after the
// last whole hour read from the stream). 20 runs each after 2 warm-ups; median and worst printed.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { createRedis, usageEventJson, usageEventRow, usageRowsJson, RT_KEYS, createAdminToken } = await import(`${root}packages/core/dist/index.js`);
const { defineGovernanceCommands } = await import(`${root}packages/gateway/dist/governance/limit-scripts.js`);
const { rollupArgs } = await import(`${root}packages/gateway/dist/governance/usage-rollup-args.js`);
const N = Number(process.argv[2] ?? 1_000_000);
const DAY = 86_400_000;
const BATCH = 256;
const RUNS = 20;

const r = await startRedis();
const redis = defineGovernanceCommands(createRedis({ url: r.url }));
const now = Date.now();
const models = ['gpt-4o-mini', 'gpt-4o', 'claude-3-5-haiku', 'text-embedding-3-small'];
const t0 = performance.now();
const pending = new Set();
for (let i = 0; i < N; i += BATCH) {
  const events = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const ts = now - 30 * DAY + Math.floor((j / N) * 30 * DAY);
    events.push({
      id: `req_${j}`, key_id: `key_${j % 50}`, key_name: `k${j % 50}`, model: models[j % 4], provider: `p${j % 3}`, upstream_model: models[j % 4], endpoint: 'chat',
      prompt_tokens: 100, completion_tokens: 20, cached_tokens: 0, estimated: false, cost_usd: 0.0001, latency_ms: 300, ttfb_ms: 100, status: j % 50 ? 200 : 500,
      attempts: 1, stream: false, aborted: false, error: '', ts, cache_write_tokens: j % 7 ? 0 : 64, cache_write_1h_tokens: 0,
    });
  }
  // The rollups through the pod's own script call (its stream part into a scratch stream kept at
  // ~1 entry); the events into the usage stream with ids at their own time, as pods writing over
  // 30 days would have left them (the console finds a range's edges in the stream by id), one
  // event per entry (the form gateways wrote before batches, still read).
  const roll = rollupArgs(events, { hourS: 8 * 86_400, dayS: 400 * 86_400 }, true);
  const keys = ['{usage}:bench:scratch', RT_KEYS.usageApplied('bench'), '{usage}:bench:scratch:index', ...roll.keys];
  const json = events.map(usageEventJson);
  const p = redis.gwXaddOnce(keys.length, ...keys, 1, DAY, ...roll.argv, 'a', i, i + events.length - 1, events.length, usageRowsJson(events.map(usageEventRow)), ...roll.sums);
  const pipe = redis.pipeline();
  events.forEach((e, k) => pipe.xadd(RT_KEYS.usageStream, 'MAXLEN', '~', 1_000_000, `${e.ts}-${i + k}`, 'e', json[k]));
  for (const w of [p, pipe.exec()]) {
    pending.add(w);
    void w.finally(() => pending.delete(w));
  }
  if (pending.size >= 16) await Promise.race(pending);
}
await Promise.all(pending);
console.log(`${N} usage events over 30 days written through gwXaddOnce in ${((performance.now() - t0) / 1000).toFixed(0)} s; stream holds ${await redis.xlen(RT_KEYS.usageStream)}`);

const { raw } = await createAdminToken(redis, 'bench', 'viewer', 'bench');
const port = await freePort();
const con = spawn(process.execPath, [`${root}packages/console/dist/main.js`], { env: { ...process.env, REDIS_URL: r.url, CONSOLE_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => con.stdout.on('data', (d) => d.toString().includes('console listening') && resolve()));

async function time(path) {
  const runs = [];
  let body;
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${raw}` } });
    body = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${body}`);
    if (i >= 2) runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  const total = JSON.parse(body).total?.requests;
  return `median ${runs[RUNS / 2].toFixed(0)} ms, worst ${runs[RUNS - 1].toFixed(0)} ms${total === undefined ? '' : ` (${total} requests)`}`;
}
const at = Date.now();
const H = 3_600_000;
// What the pages ask: Overview whole hours (24 h) or UTC days (7, 30 days) up to the end of the
// current one; Usage whole UTC days (its date pickers). The rollups answer those alone.
const endH = Math.ceil((at + 1) / H) * H;
const endD = Math.ceil((at + 1) / DAY) * DAY;
const pages = (span, end) => `from=${end - span}&to=${end}`;
// Any range ending now: the minutes before the first and after the last whole hour come from the stream.
const range = (days) => `from=${at - days * DAY}&to=${at}`;
const questions = {
  'Overview page, 24 h': `/api/v1/overview?${pages(DAY, endH)}`,
  'Overview page, 7 days': `/api/v1/overview?${pages(7 * DAY, endD)}`,
  'Overview page, 30 days': `/api/v1/overview?${pages(30 * DAY, endD)}`,
  'Usage page, 30 days by key': `/api/v1/usage?by=key&${pages(30 * DAY, endD)}`,
  'Usage page, 30 days by model': `/api/v1/usage?by=model&${pages(30 * DAY, endD)}`,
  'Usage page, 30 days by day': `/api/v1/usage?by=day&${pages(30 * DAY, endD)}`,
  'Usage page, 30 days series by day': `/api/v1/usage/series?bucket=day&${pages(30 * DAY, endD)}`,
  'Usage page, 3 days series by hour': `/api/v1/usage/series?bucket=hour&${pages(3 * DAY, endD)}`,
  'overview, now-24 h → now': `/api/v1/overview?${range(1)}`,
  'overview, now-30 d → now': `/api/v1/overview?${range(30)}`,
  'usage by provider, now-30 d → now': `/api/v1/usage?by=provider&${range(30)}`,
};
for (const [name, path] of Object.entries(questions)) console.log(`${name.padEnd(36)} ${await time(path)}`);
console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
con.kill('SIGTERM');
await redis.quit();
await r.stop();
