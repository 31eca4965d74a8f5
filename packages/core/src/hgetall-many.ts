import { isCluster, type RedisClient } from './redis-connect.js';

/**
 * HGETALL of many keys in one round trip per node, as a pipeline's `[error, value]` pairs. A
 * Cluster pipeline must stay within one slot, and registry keys have no common hash tag, so on
 * Cluster the reads are sent concurrently instead (ioredis routes each to its node).
 */
export async function hgetallMany(redis: RedisClient, keys: string[]): Promise<Array<[Error | null, unknown]>> {
  if (isCluster(redis)) {
    return Promise.all(
      keys.map((k) =>
        redis.hgetall(k).then(
          (v): [Error | null, unknown] => [null, v],
          // A bad record (e.g. WRONGTYPE) is reported like in a pipeline; a lost connection fails the read.
          (e: Error): [Error | null, unknown] => {
            if (e.name === 'ReplyError') return [e, null];
            throw e;
          },
        ),
      ),
    );
  }
  const pipe = redis.pipeline();
  for (const k of keys) pipe.hgetall(k);
  return (await pipe.exec()) ?? [];
}
