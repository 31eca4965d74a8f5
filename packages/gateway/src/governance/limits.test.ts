import { createServer, type Server, type Socket } from 'node:net';
import { createRedis, RT_KEYS, type ApiKey, type RedisClient } from '@llmgw/core';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../../tests/support/redis-cluster.js';
import { useTestRedis } from '../../../../tests/support/redis.js';
import type { GatewayError } from '../errors/catalog.js';
import { createStats, type GatewayStats } from '../stats.js';
import { defineGovernanceCommands } from './limit-scripts.js';
import { RedisTurn } from './redis-turn.js';
import { KeyLimiter, MAX_ADMISSION_BATCH, type Admission, type LimiterOptions } from './limits.js';

const { redis, url } = useTestRedis();
const log = pino({ level: 'silent' });
const OPTS: LimiterOptions = { windowMs: 60_000, leaseMs: 60_000, timeoutMs: 500, failClosed: false };

function apiKey(id: string, limits: Partial<ApiKey>): ApiKey {
  const base: ApiKey = { id, name: id, hash: 'a'.repeat(64), prefix: 'gw-test', status: 'active', providers: [], models: ['*'], metadata: {}, mcp_tools: [], mcp_resources: [], mcp_prompts: [], v: 1 };
  return Object.assign(base, limits);
}

function limiter(client: RedisClient, o: Partial<LimiterOptions> = {}, stats: GatewayStats = createStats()): KeyLimiter {
  const r = defineGovernanceCommands(client);
  return new KeyLimiter(r, new RedisTurn(r), { ...OPTS, ...o }, stats, log);
}

/** Count the admission script calls a client makes (one per batch; they go out with the turn's write). */
function countBatches(client: RedisClient): { calls: number } {
  const counter = { calls: 0 };
  // Standalone: commands go to the client itself; Cluster: to pipelines, which copy the
  // client's script functions when they are created (and call them with themselves as this).
  const target = defineGovernanceCommands(client) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const admit = target.gwAdmitBatch!;
  target.gwAdmitBatch = function (this: unknown, ...a: unknown[]) {
    counter.calls++;
    return admit.apply(this, a);
  };
  return counter;
}

type Outcome = { ok: true; adm: Admission | null; headers: Record<string, string> } | { ok: false; err: GatewayError };

/** `n` admissions of `key` in one event-loop turn (one batch), settled in order. */
function burst(l: KeyLimiter, key: ApiKey, n: number, estimate = 0): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: n }, () => {
      const headers: Record<string, string> = {};
      return Promise.resolve(l.admit(key, estimate, headers)).then(
        (adm): Outcome => ({ ok: true, adm, headers }),
        (err: GatewayError): Outcome => ({ ok: false, err }),
      );
    }),
  );
}

const admitted = (rs: Outcome[]) => rs.map((r) => r.ok);

describe('batched admissions', () => {
  it('two pods, each sending its burst as one batch, let exactly rpm in, each in arrival order', async () => {
    const other = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      const key = apiKey('key_two_pods', { rpm: 10 });
      const [ca, cb] = [countBatches(redis), countBatches(other)];
      const [a, b] = [limiter(redis), limiter(other)];
      const [ra, rb] = await Promise.all([burst(a, key, 8), burst(b, key, 8)]);
      expect([ca.calls, cb.calls]).toEqual([1, 1]);
      const all = [...ra, ...rb];
      expect(all.filter((r) => r.ok)).toHaveLength(10);
      // Within a pod's batch, the admitted requests are the first ones.
      for (const rs of [ra, rb]) {
        const n = rs.filter((r) => r.ok).length;
        expect(admitted(rs)).toEqual([...Array<boolean>(n).fill(true), ...Array<boolean>(8 - n).fill(false)]);
      }
      const remaining = all.flatMap((r) => (r.ok ? [Number(r.headers['x-ratelimit-remaining-requests'])] : [])).sort((x, y) => y - x);
      expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const refused = all.find((r) => !r.ok) as { err: GatewayError };
      expect(refused.err.status).toBe(429);
      expect(refused.err.headers?.['x-ratelimit-remaining-requests']).toBe('0');
      expect(refused.err.message).toMatch(/Limit 10, Used 10/);
      expect(await redis.hget(RT_KEYS.keyWindow(key.id), '_r')).toBe('10');
    } finally {
      await other.quit();
    }
  });

  it(`a burst larger than one batch (${MAX_ADMISSION_BATCH}) is split and still exact`, async () => {
    const key = apiKey('key_big_burst', { rpm: MAX_ADMISSION_BATCH + 10, max_concurrency: 1_000 });
    const counter = countBatches(redis);
    const rs = await burst(limiter(redis), key, MAX_ADMISSION_BATCH + 50);
    expect(counter.calls).toBe(2);
    expect(admitted(rs)).toEqual([...Array<boolean>(MAX_ADMISSION_BATCH + 10).fill(true), ...Array<boolean>(40).fill(false)]);
    expect(await redis.zcard(RT_KEYS.keyConcurrency(key.id))).toBe(MAX_ADMISSION_BATCH + 10);
  });

  it('tpm estimates add up inside a batch and are reconciled on release', async () => {
    const key = apiKey('key_tpm_batch', { tpm: 100 });
    const l = limiter(redis);
    const rs = await burst(l, key, 4, 30);
    expect(admitted(rs)).toEqual([true, true, true, false]);
    expect(rs.filter((r) => r.ok).map((r) => (r as { headers: Record<string, string> }).headers['x-ratelimit-remaining-tokens'])).toEqual(['70', '40', '10']);
    expect((rs[3] as { err: GatewayError }).err.message).toMatch(/Used 90, Requested 30/);
    for (const r of rs) if (r.ok) l.release(r.adm!, 5);
    await expect.poll(() => redis.hget(RT_KEYS.keyWindow(key.id), '_t')).toBe('15');
    l.close();
  });
});

describe('leases', () => {
  it('a busy key is admitted from its lease with no script call, with its headers; close() gives back what it did not spend', async () => {
    const key = apiKey('key_lease', { rpm: 1000, tpm: 100_000, max_concurrency: 100 });
    const l = limiter(redis, { leases: true });
    const calls = countBatches(redis);
    // Start early in a bucket (a lease lasts until its bucket ends): the bursts below take a few ms.
    const [, us] = await redis.time();
    await new Promise((r) => setTimeout(r, 1000 - Math.floor(Number(us) / 1000) + 5));
    // The first turn: 10 requests, per request (the key's rate is not known yet); the batch asks for a lease.
    const first = await burst(l, key, 10, 20);
    expect(admitted(first).every(Boolean)).toBe(true);
    expect(calls.calls).toBe(1);
    // The next turns: from the lease.
    const next = [...(await burst(l, key, 5, 20)), ...(await burst(l, key, 5, 20))];
    expect(admitted(next).every(Boolean)).toBe(true);
    expect(calls.calls).toBe(1);
    expect(next.every((r) => r.ok && r.adm!.lease !== null)).toBe(true);
    const h = (next[9] as { headers: Record<string, string> }).headers;
    expect(Number(h['x-ratelimit-remaining-requests'])).toBeLessThan(1000 - 10);
    expect(h['x-ratelimit-limit-tokens']).toBe('100000');
    // Each leased request ends with 25 real tokens (5 more than estimated); then the lease closes.
    for (const r of [...first, ...next]) if (r.ok) l.release(r.adm!, 25);
    l.close();
    await expect.poll(async () => redis.hmget(RT_KEYS.keyWindow(key.id), '_r', '_t')).toEqual(['20', String(20 * 25)]);
    await expect.poll(async () => redis.zcard(RT_KEYS.keyConcurrency(key.id))).toBe(0);
  });

  it('a lease near the end of its bucket asks for the next one, counted in the next bucket: after the turn no request waits for Redis', async () => {
    /** Sleep until `ms` into a bucket (1 s with the 60 s window) by Redis's clock, which the script counts by. */
    const at = async (ms: number) => {
      const [, us] = await redis.time();
      await new Promise((r) => setTimeout(r, (ms - Math.floor(Number(us) / 1000) + 1000) % 1000));
    };
    const leaseOf = (rs: Outcome[]) => (rs[0]!.ok ? rs[0]!.adm!.lease : null);
    // The steps depend on timers firing within ≈ 80 ms: a run the host delayed more is tried again.
    for (let attempt = 1; ; attempt++) {
      const key = apiKey(`key_ahead${attempt}`, { rpm: 100_000, max_concurrency: 1000 });
      const stats = createStats();
      const l = limiter(redis, { leases: true }, stats);
      const calls = countBatches(redis);
      await at(50);
      const first = await burst(l, key, 10);
      const l1 = (await burst(l, key, 2)).map((r) => r.ok && r.adm!.lease);
      // 80 ms before the bucket ends: admitted from the lease, and the first of them asks ahead (a batch of no admissions).
      await at(920);
      const late = await burst(l, key, 5);
      const leased = leaseOf(late);
      if (leased && leased === l1[0]) {
        await expect.poll(() => stats.leasesGranted).toBe(2);
        expect(calls.calls).toBe(2);
        const next = leaseOf(await burst(l, key, 1));
        expect(next).not.toBe(leased);
        expect(next!.bucket).toBe(leased.bucket + 1);
        expect(await redis.hget(RT_KEYS.keyWindow(key.id), `r${next!.bucket}`)).toBe(String(next!.requests + 1));
        // Past the turn: still that lease, and no script call.
        await at(50);
        const after = await burst(l, key, 5);
        expect(after.every((r) => r.ok && r.adm!.lease === next)).toBe(true);
        expect(calls.calls).toBe(2);
        for (const r of [...first, ...late, ...after]) if (r.ok) l.release(r.adm!, null);
        l.close();
        return;
      }
      l.close();
      if (attempt === 3) throw new Error(`the timers of this test never ran in time (lease ${String(Boolean(leased))}, script calls ${calls.calls})`);
    }
  });
});

describe('batched admissions when Redis cannot answer', () => {
  // A server that accepts connections and never answers: a hung Redis.
  let hung: Server;
  let hungPort = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    hung = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    hungPort = (hung.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => hung.close(() => r()));
  });

  const down = () => createRedis({ url: 'redis://127.0.0.1:1' }, { offlineQueue: false, maxReconnects: 0, lazyConnect: true });
  const hanging = () => new Redis(hungPort, '127.0.0.1', { enableReadyCheck: false, maxRetriesPerRequest: 0 });

  it('fail open: every admission of the batch goes on without limits, counted as Redis errors', async () => {
    const client = down();
    const stats = createStats();
    const rs = await burst(limiter(client, {}, stats), apiKey('key_down', { rpm: 1 }), 3);
    expect(rs).toEqual([0, 1, 2].map(() => ({ ok: true, adm: null, headers: {} })));
    expect(stats.redisErrors).toBe(3);
    client.disconnect();
  });

  it('fail closed: every admission of the batch is refused with 503 limits_unavailable', async () => {
    const client = down();
    const rs = await burst(limiter(client, { failClosed: true }), apiKey('key_down', { rpm: 1 }), 3);
    expect(rs.map((r) => (r.ok ? 200 : r.err.status))).toEqual([503, 503, 503]);
    expect((rs[0] as { err: GatewayError }).err.code).toBe('limits_unavailable');
    client.disconnect();
  });

  it('a hung Redis: the batch fails by its one timeout, open or closed', async () => {
    const client = hanging();
    try {
      const key = apiKey('key_hung', { rpm: 1 });
      const open = await burst(limiter(client, { timeoutMs: 50 }), key, 2);
      expect(open.map((r) => r.ok && r.adm)).toEqual([null, null]);
      const closed = await burst(limiter(client, { timeoutMs: 50, failClosed: true }), key, 2);
      expect(closed.map((r) => (r.ok ? 200 : r.err.status))).toEqual([503, 503]);
    } finally {
      client.disconnect();
    }
  });
});

describe('batched admissions on Redis Cluster', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('one batch per key, keys in different slots, exact and in order', async () => {
    const client = createRedis({ clusterNodes: cluster.nodes });
    try {
      const l = limiter(client);
      const keys = ['key_c1', 'key_c2', 'key_c3', 'key_c4'].map((id) => apiKey(id, { rpm: 3, tpm: 1_000, max_concurrency: 10 }));
      const rs = await Promise.all(keys.map((k) => burst(l, k, 5, 10)));
      for (const r of rs) expect(admitted(r)).toEqual([true, true, true, false, false]);
      for (const k of keys) expect(await client.zcard(RT_KEYS.keyConcurrency(k.id))).toBe(3);
      l.close();
    } finally {
      await client.quit();
    }
  });
});
