#!/usr/bin/env node
// The usage rollups answer the console's Overview and Usage questions fast whatever the number
// of usage events: this writes a million events (by default) through the data plane's own
// script (gwXaddOnce: stream + rollups, as a pod does, 256 events per call), spread over 30
// days, 1,000 keys, 40 models and 8 providers, then times the reads of readUsageSeries.
// Not part of npm test; no timing is asserted anywhere. After `npm run build`:
//   node scripts/bench/usage-rollup.mjs [--events 1000000] [--days 30] [--keys 1000] [--models 40]
//     [--providers 8] [--reads 100] [--stream-maxlen 100000] [--redis redis://…] [--no-rollups] [--skip-write]
// Per question: p50/p99 of the read as the caller sees it, the Redis time per read (from
// INFO commandstats: what the read costs the Redis every pod shares) and the reader's own CPU
// per read. On a loaded machine the first is mostly waiting for a core; the other two are not.
// Without --redis it starts a private redis-server (the stream is bounded by --stream-maxlen,
// as GW_USAGE_STREAM_MAXLEN bounds it in production: the rollups keep what the trim drops).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { readUsageSeries, RT_KEYS, usageEventRow, usageRowsJson } from '../../packages/core/dist/index.js';
import { defineGovernanceCommands } from '../../packages/gateway/dist/governance/limit-scripts.js';
import { rollupArgs } from '../../packages/gateway/dist/governance/usage-rollup-args.js';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const { values: o } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '30' },
    keys: { type: 'string', default: '1000' },
    models: { type: 'string', default: '40' },
    providers: { type: 'string', default: '8' },
    reads: { type: 'string', default: '100' },
    'stream-maxlen': { type: 'string', default: '100000' },
    redis: { type: 'string' },
    // The stream alone (no rollup hashes, no sums): the baseline of the Redis time per event.
    'no-rollups': { type: 'boolean', default: false },
    // Read what a previous run wrote into --redis (no flush, no writes).
    'skip-write': { type: 'boolean', default: false },
  },
});
const N = Number(o.events);
const DAYS = Number(o.days);
const H = 3_600_000;
const D = 24 * H;

const server = o.redis ? null : await startRedis({ port: await freePort() });
const redis = defineGovernanceCommands(new Redis(o.redis ?? server.url));
try {
  if (o['skip-write'] && !o.redis) throw new Error('--skip-write reads what an earlier run wrote: give --redis');
  const now = Date.now();
  const start = now - DAYS * D;
  if (!o['skip-write']) {
  await redis.flushdb();
  await redis.config('RESETSTAT');
  // A few keys and models take most of the traffic (as in real use): index = floor(n * u^3).
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const skewed = (n) => Math.floor(n * rnd() ** 3);
  const BATCH = 256;
  const INFLIGHT = 8;
  const t0 = performance.now();
  let seq = 0;
  const pending = new Set();
  for (let i = 0; i < N; i += BATCH) {
    const events = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) {
      const ts = Math.floor(start + ((j + rnd()) / N) * DAYS * D);
      const k = skewed(Number(o.keys));
      const status = rnd() < 0.03 ? 429 : 200;
      const prompt = status === 200 ? 50 + Math.floor(rnd() * 2000) : 0;
      const completion = status === 200 ? Math.floor(rnd() * 800) : 0;
      events.push({
        id: `req_${j}`, key_id: `key_${k}`, key_name: `key-${k}`, model: `model-${skewed(Number(o.models))}`,
        provider: status === 200 ? `provider-${skewed(Number(o.providers))}` : '', upstream_model: 'u', endpoint: '/v1/chat/completions',
        prompt_tokens: prompt, completion_tokens: completion, cached_tokens: Math.floor(prompt / 4), estimated: false,
        cost_usd: Math.round((prompt * 2.5 + completion * 10) * 1000) / 1e9, latency_ms: 200 + Math.floor(rnd() * 3000), ttfb_ms: 100,
        status, attempts: 1, stream: false, aborted: false, error: status === 200 ? '' : 'rate_limited', ts,
      });
    }
    // What a pod's UsageRecorder sends for a first send: the events and the sums of their rollups.
    const roll = o['no-rollups'] ? { keys: [], argv: [1, 1, 0, 0], sums: [] } : rollupArgs(events, { hourS: 8 * 86_400, dayS: 400 * 86_400 }, true);
    const keys = [RT_KEYS.usageStream, RT_KEYS.usageApplied('bench'), RT_KEYS.usageStreamIndex, ...roll.keys];
    const p = redis.gwXaddOnce(keys.length, ...keys, o['stream-maxlen'], 86_400_000, ...roll.argv, 'a', seq, seq + events.length - 1, events.length, usageRowsJson(events.map(usageEventRow)), ...roll.sums);
    seq += events.length;
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= INFLIGHT) await Promise.race(pending);
    if (i % 100_000 < BATCH) process.stdout.write(`\rwritten ${i.toLocaleString('en')} events`);
  }
  await Promise.all(pending);
  const writeS = (performance.now() - t0) / 1000;
  const script = (await redis.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+),usec=(\d+)/);
  const memory = (await redis.info('memory')).match(/used_memory_human:(\S+)/)?.[1];
  console.log(`\rwritten ${N.toLocaleString('en')} events over ${DAYS} days in ${writeS.toFixed(1)} s (${Math.round(N / writeS).toLocaleString('en')}/s through gwXaddOnce, ${script ? (Number(script[2]) / N).toFixed(1) : '?'} µs of Redis time per event); stream ${await redis.xlen(RT_KEYS.usageStream)} entries; Redis memory ${memory}`);
  }

  // The questions the console asks (Overview, Usage), and gwctl usage.
  const QUESTIONS = {
    'overview: 24 h by hour, top 10 keys': { from: now - D, to: now, granularity: 'hour', by: 'key' },
    'overview: 24 h by hour, top 10 models': { from: now - D, to: now, granularity: 'hour', by: 'model' },
    'usage: 7 days by hour, top 10 providers': { from: now - 7 * D, to: now, granularity: 'hour', by: 'provider' },
    'usage: 30 days by day, top 50 keys': { from: now - 30 * D, to: now, granularity: 'day', by: 'key', top: 50 },
    'usage: 30 days by day, total': { from: now - 30 * D, to: now, granularity: 'day', by: 'total' },
    'usage: one key, 7 days by hour': { from: now - 7 * D, to: now, granularity: 'hour', by: 'key', key: 'key_0' },
  };
  const reads = Number(o.reads);
  const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const rows = [];
  for (const [name, q] of Object.entries(QUESTIONS)) {
    const ms = [];
    let answer;
    for (let r = 0; r < 5; r++) answer = await readUsageSeries(redis, q); // warm up
    await redis.config('RESETSTAT');
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < reads; r++) {
      const t = performance.now();
      answer = await readUsageSeries(redis, q);
      ms.push(performance.now() - t);
    }
    const cpu = process.cpuUsage(cpu0);
    const stats = await redis.info('commandstats');
    const redisUs = [...stats.matchAll(/^cmdstat_(\w+):calls=\d+,usec=(\d+)/gm)].filter(([, c]) => c !== 'config').reduce((n, [, , us]) => n + Number(us), 0);
    ms.sort((a, b) => a - b);
    rows.push({ question: name, p50_ms: +pct(ms, 50).toFixed(1), p99_ms: +pct(ms, 99).toFixed(1), max_ms: +ms[ms.length - 1].toFixed(1), redis_ms: +(redisUs / reads / 1000).toFixed(2), reader_cpu_ms: +((cpu.user + cpu.system) / reads / 1000).toFixed(1), requests: answer.total.requests, buckets: answer.buckets.length, groups: answer.groups.length + (answer.other?.groups ?? 0) });
  }
  console.table(rows);
  const worst = Math.max(...rows.map((r) => r.p99_ms));
  console.log(`${reads} reads each; worst p99 ${worst} ms: ${worst < 200 ? 'under' : 'NOT under'} 200 ms (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`);
  // The same total from the stream would need every event: what the rollups avoid.
  const all = await readUsageSeries(redis, { from: start, to: now + 1, granularity: 'day', by: 'total' });
  console.log(`rollups hold ${all.total.requests.toLocaleString('en')} requests (written: ${N.toLocaleString('en')}); the stream holds ${(await redis.xlen(RT_KEYS.usageStream)).toLocaleString('en')}`);
} finally {
  await redis.quit();
  await server?.stop();
}
