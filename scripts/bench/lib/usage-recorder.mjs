// The usage benches' recorder (usage-write-stretch, usage-stream-memory): one build's
// UsageRecorder over its own ioredis client, writing only when flushed.
import { Redis } from 'ioredis';
import { buildOf } from './cached-registry.mjs';

/**
 * The recorder of the checkout at `root` on the Redis at `url`, with a flush wait no batch
 * reaches (only `flush()` writes) and `batchSize` events per write. `close()` stops it and its client.
 */
export async function loadRecorder(root, url, { pod, bufferMax, batchSize }) {
  const dist = buildOf(root);
  const { UsageRecorder } = await dist('gateway/dist/governance/usage-recorder.js');
  const { RedisTurn } = await dist('gateway/dist/governance/redis-turn.js');
  const { defineGovernanceCommands } = await dist('gateway/dist/governance/limit-scripts.js');
  const { createStats } = await dist('gateway/dist/stats.js');
  const { RT_KEYS } = await dist('core/dist/index.js');
  const { pino } = await import('pino');
  const redis = defineGovernanceCommands(new Redis(url));
  const rec = new UsageRecorder(redis, new RedisTurn(redis), { pod, bufferMax, streamMaxLen: bufferMax, retryMs: 500, flushMs: 3_600_000, batchSize }, createStats(), pino({ level: 'silent' }));
  const close = async () => {
    rec.close();
    await redis.quit().catch(() => {});
  };
  return { rec, redis, RT_KEYS, close };
}
