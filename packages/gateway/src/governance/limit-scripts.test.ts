import { RT_KEYS } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { defineGovernanceCommands } from './limit-scripts.js';

const { redis: raw } = useTestRedis();
const redis = defineGovernanceCommands(raw);
const id = 'key_unit';
const keys = [RT_KEYS.keyRpm(id), RT_KEYS.keyTpm(id), RT_KEYS.keyTpmTokens(id), RT_KEYS.keyConcurrency(id), RT_KEYS.keySpendDay(id, 'd'), RT_KEYS.keySpendMonth(id, 'm')] as const;

/** member, rpm, tpm, estimate, concurrency, lease, window, budget day, budget month */
function admit(member: string, o: { rpm?: number; tpm?: number; est?: number; conc?: number; bd?: number; bm?: number } = {}) {
  return redis.gwAdmit(...keys, member, o.rpm ?? 0, o.tpm ?? 0, o.est ?? 0, o.conc ?? 0, 60_000, 60_000, o.bd ?? -1, o.bm ?? -1);
}

describe('admission script', () => {
  it('is atomic: 40 concurrent admissions against rpm 10 let exactly 10 in', async () => {
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => admit(`m${i}`, { rpm: 10 })));
    expect(res.filter((r) => r[0] === 0)).toHaveLength(10);
    const refused = res.find((r) => r[0] === 1)!;
    expect(refused[1]).toBe('requests');
    expect(Number(refused[2])).toBeGreaterThan(0);
    expect(Number(refused[2])).toBeLessThanOrEqual(60_000);
  });

  it('takes nothing when one check fails (all or nothing)', async () => {
    await redis.zadd(keys[3], Date.now() + 60_000, 'busy');
    expect((await admit('a', { rpm: 5, tpm: 100, est: 10, conc: 1 }))[1]).toBe('concurrency');
    expect(await redis.zcard(keys[0])).toBe(0);
    expect(await redis.hget(keys[2], '_t')).toBeNull();
  });

  it('tpm: counts the estimate, reconciles it, refuses what does not fit, and says when a request never fits', async () => {
    expect(await admit('a', { tpm: 100, est: 80 })).toEqual([0, -1, 0, 20, 60_000]);
    expect((await admit('b', { tpm: 100, est: 30 }))[1]).toBe('tokens');
    await redis.gwRelease(keys[2], keys[3], 'a', 10 - 80, '0');
    expect(await redis.hget(keys[2], '_t')).toBe('10');
    expect((await admit('b', { tpm: 100, est: 30 }))[0]).toBe(0);
    expect((await admit('c', { tpm: 100, est: 101 }))[1]).toBe('too_large');
    // Reconciling an admission that already left the window changes nothing.
    await redis.gwRelease(keys[2], keys[3], 'gone', 50, '0');
    expect(await redis.hget(keys[2], '_t')).toBe('40');
  });

  it('tpm: admissions older than the window leave it with their reconciled tokens', async () => {
    const old = Date.now() - 120_000;
    await redis.zadd(keys[1], old, 'old');
    await redis.hset(keys[2], 'old', 90, '_t', 90);
    expect(await admit('new', { tpm: 100, est: 50 })).toEqual([0, -1, 0, 50, 60_000]);
    expect(await redis.hget(keys[2], 'old')).toBeNull();
    expect(await redis.hget(keys[2], '_t')).toBe('50');
  });

  it('budgets: refuses once the spend reaches the daily or monthly budget', async () => {
    expect((await admit('a', { bd: 1, bm: 10 }))[0]).toBe(0);
    await redis.hset(keys[4], 'cost', '1.5');
    expect(await admit('b', { bd: 1 })).toEqual([2, 'daily', 1_500_000]);
    await redis.hset(keys[5], 'cost', '10');
    expect((await admit('c', { bd: 2, bm: 10 }))[1]).toBe('monthly');
  });

  it('concurrency: expired leases are reclaimed, release frees a slot, renew only extends a live lease', async () => {
    await redis.zadd(keys[3], Date.now() - 1, 'dead');
    expect((await admit('a', { conc: 1 }))[0]).toBe(0);
    expect((await admit('b', { conc: 1 }))[1]).toBe('concurrency');
    await redis.gwRelease(keys[2], keys[3], 'a', 0, '1');
    expect((await admit('b', { conc: 1 }))[0]).toBe(0);
    // Several releases in one call (what the limiter sends for requests ending in the same turn).
    await redis.zadd(keys[3], Date.now() + 60_000, 'x', Date.now() + 60_000, 'y');
    await redis.gwRelease(keys[2], keys[3], 'x', 0, '1', 'y', 0, '1');
    expect(await redis.zcard(keys[3])).toBe(1);
    const before = Number(await redis.zscore(keys[3], 'b'));
    await new Promise((r) => setTimeout(r, 5));
    await redis.gwRenew(keys[3], 120_000, 'b');
    expect(Number(await redis.zscore(keys[3], 'b'))).toBeGreaterThan(before);
    await redis.gwRenew(keys[3], 120_000, 'never-admitted');
    expect(await redis.zscore(keys[3], 'never-admitted')).toBeNull();
  });

  it('accounting adds spend and tokens to the day and month hashes', async () => {
    await redis.gwAccount(keys[4], keys[5], 0.25, 10, 5, 2, 100, 1000);
    await redis.gwAccount(keys[4], keys[5], 0.5, 1, 1, 0, 100, 1000);
    expect(await redis.hgetall(keys[4])).toEqual({ cost: '0.75', requests: '2', prompt_tokens: '11', completion_tokens: '6', cached_tokens: '2' });
    expect(await redis.ttl(keys[5])).toBeGreaterThan(100);
  });
});
