#!/usr/bin/env node
// What the usage stream costs Redis in memory per event, for two builds of the gateway's
// UsageRecorder: each writes the same 20,000 events (realistic ids and names) in batches of
// 200 into a flushed redis-server, then `MEMORY USAGE` of the stream and the growth of
// `used_memory`, per event. The stream keeps GW_USAGE_STREAM_MAXLEN events (1,000,000 by default).
//   node scripts/bench/usage-stream-memory.mjs --a <checkout> [--b .] [--events 20000]
import { parseArgs } from 'node:util';
import * as stack from './lib/stack.mjs';
import { loadRecorder } from './lib/usage-recorder.mjs';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string', default: '.' }, events: { type: 'string', default: '20000' } } });
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/usage-stream-memory.mjs --a <checkout> [--b .] [--events 20000]\n');
  process.exit(2);
}
const n = Number(values.events);
const server = await stack.startRedis();
const usedMemory = async (redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
try {
  for (const [side, root] of [['A', values.a], ['B', values.b]]) {
    const { rec, redis, RT_KEYS, close } = await loadRecorder(root, server.url, { pod: `pod-${side}`, bufferMax: n, batchSize: 200 });
    await redis.flushall();
    const before = await usedMemory(redis);
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const event = {
        id: `01JEXAMPLE${(1e15 + i).toString(36).toUpperCase()}`, key_id: 'key_01HZX8K2M3N4P5Q6', key_name: 'backend-prod', model: 'gpt-4o-mini',
        provider: 'openai', upstream_model: 'gpt-4o-mini-2024-07-18', endpoint: '/chat/completions', prompt_tokens: 1234 + (i % 100), completion_tokens: 321,
        cached_tokens: 0, estimated: false, cost_usd: 0.0003777 + i * 1e-9, latency_ms: 812, ttfb_ms: 240, status: 200, attempts: 1, stream: true,
        aborted: false, error: '', ts: now + i, cache_write_tokens: 0, cache_write_1h_tokens: 0,
      };
      rec.record({ event, day: new Date(now).toISOString().slice(0, 10), month: new Date(now).toISOString().slice(0, 7) });
    }
    if (!(await rec.flush())) throw new Error('usage write failed');
    const stream = Number(await redis.call('MEMORY', 'USAGE', RT_KEYS.usageStream));
    process.stdout.write(`${side} (${root}): stream ${(stream / n).toFixed(0)} bytes per event (MEMORY USAGE), used_memory +${(((await usedMemory(redis)) - before) / n).toFixed(0)} bytes per event\n`);
    await close();
  }
} finally {
  await server.stop();
}
