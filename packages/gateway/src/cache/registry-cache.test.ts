import type { ChildProcess } from 'node:child_process';
import { createRedis, Registry } from '@llmgw/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../scripts/lib/local-redis.mjs';
import { RegistryCache } from './registry-cache.js';

// A private redis-server, stopped (SIGSTOP) to hang: connections open, no answers.
let server: { url: string; process: ChildProcess; stop(): Promise<void> };
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

describe('registry cache while Redis hangs', () => {
  it('once a read found Redis away, expired records are served at once instead of after another command timeout each', async () => {
    const registry = new Registry(createRedis({ url: server.url }, { offlineQueue: false, commandTimeoutMs: 300 }));
    registry.redis.on('error', () => {});
    // ttlMs 0: every record is expired by the next read, as after GW_CACHE_TTL_MS in a long outage.
    const cache = new RegistryCache(registry, { ttlMs: 0, negativeTtlMs: 0, revPollMs: 0 }, pino({ level: 'silent' }));
    try {
      await new Promise((resolve) => registry.redis.once('ready', resolve));
      const { key } = await registry.createKey({ name: 'k' });
      await cache.start();
      expect((await cache.getKey(key.hash))?.id).toBe(key.id);
      expect(cache.healthy).toBe(true);

      server.process.kill('SIGSTOP');
      // The first read finds out the hard way: it times out, and the last good copy is served.
      expect((await cache.getKey(key.hash))?.id).toBe(key.id);
      expect(cache.healthy).toBe(false);

      // From then on the copy is served before the read behind it settles (it still hangs).
      let settled = 0;
      const read = registry.getKeyByHash.bind(registry);
      registry.getKeyByHash = (hash) => read(hash).finally(() => settled++);
      expect((await cache.getKey(key.hash))?.id).toBe(key.id);
      expect((await cache.getKey(key.hash))?.id).toBe(key.id);
      expect(settled).toBe(0);
      expect(cache.stats.stale).toBe(3);

      // Redis answers again: the background read brings the record and readiness back.
      server.process.kill('SIGCONT');
      await expect.poll(async () => (await cache.getKey(key.hash), cache.healthy), { timeout: 5000 }).toBe(true);
      expect(settled).toBeGreaterThan(0);
    } finally {
      server.process.kill('SIGCONT');
      await cache.stop();
      registry.redis.disconnect();
    }
  });
});
