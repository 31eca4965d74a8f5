import type { ChildProcess } from 'node:child_process';
import { createRedis, Registry, type RegistryEvent } from '@llmgw/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('registry cache cleared (a missed event, a reconnected subscriber)', () => {
  it('reads every record again, and serves the last good copy while those reads fail (Redis restarting), not a 503', async () => {
    const registry = new Registry(createRedis({ url: server.url }, { offlineQueue: false, commandTimeoutMs: 300 }));
    registry.redis.on('error', () => {});
    const cache = new RegistryCache(registry, { ttlMs: 60_000, negativeTtlMs: 60_000, revPollMs: 0 }, pino({ level: 'silent' }));
    const clear = (why: string) => (cache as unknown as { clear(why: string): void }).clear(why);
    try {
      await new Promise((resolve) => registry.redis.once('ready', resolve));
      const { key } = await registry.createKey({ name: 'before' });
      expect((await cache.getKey(key.hash))?.name).toBe('before');
      expect((await cache.resolveModel('nope'))).toBeNull();
      // No subscription here: the rename reaches the cache only through the clear.
      await registry.updateKey(key.hash, () => ({ name: 'after' }));
      expect((await cache.getKey(key.hash))?.name).toBe('before');
      clear('test: missed event');
      expect(cache.peekKey(key.hash)).toBeUndefined();
      expect((await cache.getKey(key.hash))?.name).toBe('after');

      clear('test: reconnected');
      server.process.kill('SIGSTOP');
      // The read fails (times out): the last good copy answers, a known-absent name is still a 503.
      expect((await cache.getKey(key.hash))?.name).toBe('after');
      expect(cache.stats.stale).toBeGreaterThan(0);
      await expect(cache.resolveModel('nope')).rejects.toMatchObject({ code: 'registry_unavailable' });
    } finally {
      server.process.kill('SIGCONT');
      registry.redis.disconnect();
    }
  });
});

describe('registry cache peeks (the synchronous path of a cache hit)', () => {
  it('answer fresh records only, follow aliases only over cached hops, and leave everything else to the async read', async () => {
    const registry = new Registry(createRedis({ url: server.url }));
    const cache = new RegistryCache(registry, { ttlMs: 60_000, negativeTtlMs: 60_000, revPollMs: 0 }, pino({ level: 'silent' }));
    try {
      await registry.redis.flushdb();
      const { key } = await registry.createKey({ name: 'peek' });
      await registry.addProvider({ name: 'p1', base_url: 'http://127.0.0.1:1/v1' });
      await registry.bindModel('m1', { provider: 'p1' });
      await registry.putModel({ name: 'a1', alias_of: 'm1' });
      // Nothing read yet: every peek says "read it".
      expect(cache.peekKey(key.hash)).toBeUndefined();
      expect(cache.peekProvider('p1')).toBeUndefined();
      expect(cache.peekResolved('a1')).toBeUndefined();

      await cache.getKey(key.hash);
      await cache.getProvider('p1');
      await cache.getKey('no-such-hash');
      expect(cache.peekKey(key.hash)?.id).toBe(key.id);
      expect(cache.peekProvider('p1')?.name).toBe('p1');
      // A name known not to exist is a hit too (null), like the negative entry getKey serves.
      expect(cache.peekKey('no-such-hash')).toBeNull();

      // m1 cached, the alias a1 not yet: a1 is not answered from half a chain.
      await cache.resolveModel('m1');
      expect(cache.peekResolved('m1')).toEqual({ model: expect.objectContaining({ name: 'm1' }), via: [] });
      expect(cache.peekResolved('a1')).toBeUndefined();
      await cache.getModel('a1');
      expect(cache.peekResolved('a1')).toEqual(await cache.resolveModel('a1'));
      expect(cache.peekResolved('a1')?.via).toEqual(['a1']);

      // An edit evicts (gw:events), and the peek goes back to undefined: a changed record is read again.
      await cache.start();
      const hits = cache.stats.hits;
      await registry.updateProvider('p1', () => ({ weight: 7 }));
      await expect.poll(() => cache.peekProvider('p1')).toBeUndefined();
      expect((await cache.getProvider('p1'))?.weight).toBe(7);
      expect(cache.peekProvider('p1')?.weight).toBe(7);
      expect(cache.stats.hits).toBeGreaterThan(hits);
    } finally {
      await cache.stop();
      registry.redis.disconnect();
    }
  });

  it('an expired record is not peeked', async () => {
    const registry = new Registry(createRedis({ url: server.url }));
    const cache = new RegistryCache(registry, { ttlMs: 0, negativeTtlMs: 0, revPollMs: 0 }, pino({ level: 'silent' }));
    try {
      const { key } = await registry.createKey({ name: 'expired' });
      expect((await cache.getKey(key.hash))?.id).toBe(key.id);
      expect(cache.peekKey(key.hash)).toBeUndefined();
    } finally {
      registry.redis.disconnect();
    }
  });
});

describe('registry cache refresh ahead of expiry', () => {
  it('a record used late in its life is read again behind the hit: the hits keep coming from the copy, never a miss', async () => {
    const registry = new Registry(createRedis({ url: server.url }));
    const cache = new RegistryCache(registry, { ttlMs: 1_000, negativeTtlMs: 1_000, revPollMs: 0 }, pino({ level: 'silent' }));
    const t0 = Date.now();
    let now = t0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const { key } = await registry.createKey({ name: 'before' });
      expect((await cache.getKey(key.hash))?.name).toBe('before');
      expect(cache.stats.misses).toBe(1);
      // Not subscribed: this rename reaches the cache only by a read.
      await registry.updateKey(key.hash, () => ({ name: 'after' }));
      now = t0 + 500;
      expect(cache.peekKey(key.hash)?.name).toBe('before');
      // Three quarters into its life: the hit still answers from the copy, and starts a read.
      now = t0 + 800;
      expect(cache.peekKey(key.hash)?.name).toBe('before');
      await expect.poll(() => cache.peekKey(key.hash)?.name).toBe('after');
      // Past the first copy's expiry the second one serves: no request waited for Redis.
      now = t0 + 1_500;
      expect((await cache.getKey(key.hash))?.name).toBe('after');
      expect(cache.stats.misses).toBe(1);
      // Unused, a record still expires: nothing reads it in the background.
      now = t0 + 10_000;
      expect(cache.peekKey(key.hash)).toBeUndefined();
    } finally {
      clock.mockRestore();
      registry.redis.disconnect();
    }
  });

  it('an unchanged record keeps its identity across re-reads (leases are kept per key record object); a changed one does not', async () => {
    const registry = new Registry(createRedis({ url: server.url }));
    const cache = new RegistryCache(registry, { ttlMs: 0, negativeTtlMs: 0, revPollMs: 0 }, pino({ level: 'silent' }));
    try {
      const { key } = await registry.createKey({ name: 'same', rpm: 100 });
      const first = await cache.getKey(key.hash);
      expect(await cache.getKey(key.hash)).toBe(first);
      expect(cache.stats.misses).toBe(2);
      await registry.updateKey(key.hash, () => ({ rpm: 200 }));
      const changed = await cache.getKey(key.hash);
      expect(changed).not.toBe(first);
      expect(changed?.rpm).toBe(200);
      expect(await cache.getKey(key.hash)).toBe(changed);
    } finally {
      registry.redis.disconnect();
    }
  });

  it('a read that overlapped an eviction answers its caller but is not cached: its reply may predate the change', async () => {
    const registry = new Registry(createRedis({ url: server.url }));
    const cache = new RegistryCache(registry, { ttlMs: 60_000, negativeTtlMs: 60_000, revPollMs: 0 }, pino({ level: 'silent' }));
    try {
      const { key } = await registry.createKey({ name: 'raced' });
      const read = registry.getKeyByHash.bind(registry);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      registry.getKeyByHash = async (hash) => {
        const k = await read(hash);
        await gate;
        return k;
      };
      const pending = cache.getKey(key.hash);
      // The event of a write that Redis ran after the read, heard before the read's reply.
      (cache as unknown as { onEvent(e: RegistryEvent): void }).onEvent({ kind: 'key', name: key.hash, op: 'put', rev: 1 });
      release();
      expect((await pending)?.name).toBe('raced');
      expect(cache.peekKey(key.hash)).toBeUndefined();
      registry.getKeyByHash = read;
      expect((await cache.getKey(key.hash))?.name).toBe('raced');
      expect(cache.peekKey(key.hash)?.name).toBe('raced');
    } finally {
      registry.redis.disconnect();
    }
  });
});
