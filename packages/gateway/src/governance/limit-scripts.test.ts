import { RT_KEYS } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { defineGovernanceCommands } from './limit-scripts.js';

const { redis: raw } = useTestRedis();
const redis = defineGovernanceCommands(raw);
const id = 'key_unit';
const keysOf = (k: string) => [RT_KEYS.keyRpm(k), RT_KEYS.keyTpm(k), RT_KEYS.keyTpmTokens(k), RT_KEYS.keyConcurrency(k), RT_KEYS.keySpendDay(k, 'd'), RT_KEYS.keySpendMonth(k, 'm')] as const;
const keys = keysOf(id);

interface Limits {
  rpm?: number;
  tpm?: number;
  conc?: number;
  bd?: number;
  bm?: number;
}

/** A batch of admissions (member, estimate) in one script call; the reply split per admission. */
async function admitBatch(o: Limits, batch: Array<[string, number]>, ks: readonly string[] = keys): Promise<Array<Array<number | string>>> {
  const argv = [o.rpm ?? 0, o.tpm ?? 0, o.conc ?? 0, 60_000, 60_000, o.bd ?? -1, o.bm ?? -1, ...batch.flat()];
  const res = await redis.gwAdmitBatch(ks[0]!, ks[1]!, ks[2]!, ks[3]!, ks[4]!, ks[5]!, ...argv);
  expect(res).toHaveLength(batch.length * 5);
  return batch.map((_, i) => res.slice(i * 5, i * 5 + 5));
}

/** One admission alone in its batch. */
async function admit(member: string, o: Limits & { est?: number } = {}) {
  return (await admitBatch(o, [[member, o.est ?? 0]]))[0]!;
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
    expect(await admit('b', { bd: 1 })).toEqual([2, 'daily', 1_500_000, 0, 0]);
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

  it('a batch admits in order: exactly rpm of it, with the remaining count going down', async () => {
    const res = await admitBatch({ rpm: 5 }, Array.from({ length: 12 }, (_, i): [string, number] => [`m${i}`, 0]));
    expect(res.map((r) => r[0])).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(res.slice(0, 5).map((r) => r[1])).toEqual([4, 3, 2, 1, 0]);
    expect(res[5]!.slice(0, 2)).toEqual([1, 'requests']);
    expect(res[5]![3]).toBe(5); // used
    expect(await redis.zrange(keys[0], 0, -1)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('a batch takes each admission all or nothing: a refused one in the middle takes nothing', async () => {
    // est 101 never fits; 60 + 30 fit; then 20 does not (tokens), 10 does.
    const res = await admitBatch({ tpm: 100, rpm: 10 }, [['a', 60], ['big', 101], ['b', 30], ['c', 20], ['d', 10]]);
    expect(res.map((r) => [r[0], r[1]])).toEqual([[0, 9], [1, 'too_large'], [0, 8], [1, 'tokens'], [0, 7]]);
    expect(res.filter((r) => r[0] === 0).map((r) => r[3])).toEqual([40, 10, 0]);
    expect(await redis.hget(keys[2], '_t')).toBe('100');
    expect(await redis.zrange(keys[0], 0, -1)).toEqual(['a', 'b', 'd']);
    expect(await redis.hmget(keys[2], 'a', 'big', 'c')).toEqual(['60', null, null]);
  });

  it('a batch over a budget is refused as a whole, and concurrency counts the batch itself', async () => {
    await redis.hset(keys[5], 'cost', '3');
    expect(await admitBatch({ bm: 3 }, [['a', 0], ['b', 0]])).toEqual([[2, 'monthly', 3_000_000, 0, 0], [2, 'monthly', 3_000_000, 0, 0]]);
    const res = await admitBatch({ conc: 2 }, [['x', 0], ['y', 0], ['z', 0]]);
    expect(res.map((r) => r[0])).toEqual([0, 0, 1]);
    expect(res[2]!.slice(1, 4)).toEqual(['concurrency', 1000, 2]);
    expect((await redis.zrange(keys[3], 0, -1)).sort()).toEqual(['x', 'y']);
  });

  it('a batch answers what the same admissions one call each would (random mixes of limits)', async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 20; round++) {
      const limits: Limits = { rpm: rnd(3) ? 1 + rnd(12) : 0, tpm: rnd(3) ? 50 + rnd(200) : 0, conc: rnd(3) ? 1 + rnd(10) : 0 };
      const batch = Array.from({ length: 1 + rnd(25) }, (_, i): [string, number] => [`r${round}.${i}`, limits.tpm ? rnd(80) : 0]);
      const one = keysOf(`one${round}`);
      const all = keysOf(`all${round}`);
      const single: Array<Array<number | string>> = [];
      for (const a of batch) single.push((await admitBatch(limits, [a], one))[0]!);
      const batched = await admitBatch(limits, batch, all);
      // Codes, kinds, remaining counts and usage must agree; reset and retry times may differ by the ms that passed.
      const shape = (r: Array<number | string>) => (r[0] === 0 ? [0, r[1], r[3]] : [r[0], r[1], r[3]]);
      expect(batched.map(shape), JSON.stringify(limits)).toEqual(single.map(shape));
      expect(await redis.zcard(all[0])).toBe(await redis.zcard(one[0]));
      expect(await redis.hget(all[2], '_t')).toBe(await redis.hget(one[2], '_t'));
      expect(await redis.zcard(all[3])).toBe(await redis.zcard(one[3]));
    }
  });

  it('release: many members in one call, the same member twice, counts never below zero', async () => {
    await redis.hset(keys[2], 'a', 50, 'b', 20, 'c', 10, '_t', 80);
    await redis.zadd(keys[3], Date.now() + 60_000, 'a', Date.now() + 60_000, 'b');
    // a: 50 → 45 → 40 (twice); b: 20 - 30 → 0 (clamped, moves the total by 20 only); c: slot only; gone: not in the window.
    await redis.gwRelease(keys[2], keys[3], 'a', -5, '0', 'b', -30, '1', 'a', -5, '1', 'c', 0, '0', 'gone', 40, '1');
    expect(await redis.hgetall(keys[2])).toEqual({ a: '40', b: '0', c: '10', _t: '50' });
    expect(await redis.zcard(keys[3])).toBe(0);
    expect(await redis.hexists(keys[2], 'gone')).toBe(0);
  });

  it('accounting adds spend and tokens to the day and month hashes', async () => {
    await redis.gwAccount(keys[4], keys[5], 0.25, 10, 5, 2, 100, 1000);
    await redis.gwAccount(keys[4], keys[5], 0.5, 1, 1, 0, 100, 1000);
    expect(await redis.hgetall(keys[4])).toEqual({ cost: '0.75', requests: '2', prompt_tokens: '11', completion_tokens: '6', cached_tokens: '2' });
    expect(await redis.ttl(keys[5])).toBeGreaterThan(100);
  });
});
