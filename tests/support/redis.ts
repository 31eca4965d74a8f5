import { Redis } from 'ioredis';
import { afterAll, beforeEach, inject } from 'vitest';

/**
 * The Redis URL for this test worker: the run's private server (or REDIS_URL), with a
 * logical database of its own so that parallel test files never see each other's keys.
 * Pub/sub is server-wide, so tests that listen to gw:events filter by the names they wrote.
 */
export function workerRedisUrl(): string {
  const base = new URL(inject('redisUrl'));
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '1');
  base.pathname = `/${(worker % 30) + 1}`;
  return base.toString();
}

/** A client on this worker's database, flushed before every test and closed after the file. */
export function useTestRedis(): { redis: Redis; url: string } {
  const url = workerRedisUrl();
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(async () => {
    await redis.quit();
  });
  return { redis, url };
}
