// Starts one private redis-server for the whole run unless REDIS_URL is given.
// Each test worker then uses its own logical database (see ./redis.ts).
import type { TestProject } from 'vitest/node';
import { startRedis } from '../../scripts/lib/local-redis.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
