import { decodeUsageEvent, RT_KEYS } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { defineGovernanceCommands } from './limit-scripts.js';

const { redis: raw } = useTestRedis();
const redis = defineGovernanceCommands(raw);
const K = 'key_u';
const day = (d: string) => RT_KEYS.keySpendDay(K, d);
const month = (m: string) => RT_KEYS.keySpendMonth(K, m);

/** One record: seq, period, cost, prompt, completion, cached, reservation. */
type Rec = [number, number, number, number, number, number, string];

const keysOf = (pod: string, periods: Array<[string, string]>) => [RT_KEYS.keyApplied(K, pod), RT_KEYS.keyReservations(K), RT_KEYS.keyReserved(K), ...periods.flatMap(([d, m]) => [day(d), month(m)])];

/** The one-by-one form. */
function account(pod: string, periods: Array<[string, string]>, recs: Rec[]): Promise<[number, number]> {
  const keys = keysOf(pod, periods);
  return redis.gwAccountOnce(keys.length, ...keys, 100, 1000, 60_000, 'r', ...recs.flat());
}

/** The aggregate form: seqs first…last, per period [cost, records, prompt, completion, cached], then reservations. */
function accountSums(pod: string, periods: Array<[string, string]>, first: number, last: number, sums: number[][], held: string[] = []): Promise<[number, number]> {
  const keys = keysOf(pod, periods);
  return redis.gwAccountOnce(keys.length, ...keys, 100, 1000, 60_000, 'a', first, last, sums.length, ...sums.flat(), ...held);
}

describe('gwAccountOnce', () => {
  it('adds each record to its own period, once: a record at or below the pod\'s mark is skipped', async () => {
    const P: Array<[string, string]> = [['2030-01-31', '2030-01'], ['2030-02-01', '2030-02']];
    expect(await account('a', P, [[0, 1, 0.25, 10, 5, 2, ''], [1, 2, 0.5, 1, 1, 0, '']])).toEqual([2, 0]);
    // The same write again (a reply that was lost), with a new record behind it: only the new one counts.
    expect(await account('a', P, [[0, 1, 0.25, 10, 5, 2, ''], [1, 2, 0.5, 1, 1, 0, ''], [2, 1, 0.125, 3, 3, 3, '']])).toEqual([1, 2]);
    expect(await redis.hgetall(day('2030-01-31'))).toEqual({ cost: '0.375', requests: '2', prompt_tokens: '13', completion_tokens: '8', cached_tokens: '5' });
    expect(await redis.hgetall(month('2030-02'))).toEqual({ cost: '0.5', requests: '1', prompt_tokens: '1', completion_tokens: '1', cached_tokens: '0' });
    expect(await redis.ttl(month('2030-02'))).toBeGreaterThan(100);
    // Another pod's sequence is its own.
    expect(await account('b', P, [[0, 1, 1, 0, 0, 0, '']])).toEqual([1, 0]);
    expect(await redis.hget(day('2030-01-31'), 'cost')).toBe('1.375');
    expect(Number(await redis.get(RT_KEYS.keyApplied(K, 'a')))).toBe(2);
    expect(await redis.pttl(RT_KEYS.keyApplied(K, 'a'))).toBeGreaterThan(50_000);
  });

  it('the spend replaces the reservations it carries: released once, an expired one not taken off twice', async () => {
    const R = RT_KEYS.keyReservations(K);
    const S = RT_KEYS.keyReserved(K);
    await redis.zadd(R, Date.now() + 60_000, 'm1|300', Date.now() + 60_000, 'm2|200');
    await redis.set(S, 500);
    const P: Array<[string, string]> = [['2030-01-31', '2030-01']];
    // m3 expired earlier (swept by an admission, which took it off the sum): nothing to free for it.
    expect(await account('a', P, [[0, 1, 0.0001, 1, 1, 0, 'm1|300'], [1, 1, 0, 0, 0, 0, 'm3|999']])).toEqual([2, 0]);
    expect(await redis.zrange(R, 0, -1)).toEqual(['m2|200']);
    expect(await redis.get(S)).toBe('200');
    // Applied before: its reservation is not released again.
    await redis.zadd(R, Date.now() + 60_000, 'm1|300');
    expect(await account('a', P, [[0, 1, 0.0001, 1, 1, 0, 'm1|300']])).toEqual([0, 1]);
    expect(await redis.get(S)).toBe('200');
  });
});

describe('gwAccountOnce, aggregate form (records sent for the first time)', () => {
  it('adds the sums and sets the mark; refuses, changing nothing, when the mark is already past the first record', async () => {
    const P: Array<[string, string]> = [['2030-01-31', '2030-01']];
    await redis.zadd(RT_KEYS.keyReservations(K), Date.now() + 60_000, 'm1|100');
    await redis.set(RT_KEYS.keyReserved(K), 100);
    expect(await accountSums('a', P, 0, 2, [[0.75, 3, 30, 15, 0]], ['m1|100'])).toEqual([3, 0]);
    expect(await redis.hgetall(day('2030-01-31'))).toMatchObject({ cost: '0.75', requests: '3', prompt_tokens: '30' });
    expect(await redis.get(RT_KEYS.keyReserved(K))).toBe('0');
    expect(await redis.get(RT_KEYS.keyApplied(K, 'a'))).toBe('2');
    // Records 1…4 cannot be a first send any more: nothing applied, the caller sends them one by one.
    expect(await accountSums('a', P, 1, 4, [[1, 4, 1, 1, 1]])).toEqual([-1, 0]);
    expect(await redis.hget(day('2030-01-31'), 'requests')).toBe('3');
    // One by one, 1 and 2 are skipped and 3, 4 applied.
    expect(await account('a', P, [[1, 1, 0.25, 10, 5, 0, ''], [2, 1, 0.25, 10, 5, 0, ''], [3, 1, 0.5, 1, 1, 0, ''], [4, 1, 0.5, 1, 1, 0, '']])).toEqual([2, 2]);
    expect(await redis.hgetall(day('2030-01-31'))).toMatchObject({ cost: '1.75', requests: '5' });
  });
});

describe('gwXaddOnce', () => {
  it('appends each event once per pod sequence', async () => {
    const mark = RT_KEYS.usageApplied('a');
    const ev = (id: string) => JSON.stringify({ id });
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, mark, 1000, 60_000, 'a', 0, 1, ev('r0'), ev('r1'))).toEqual([2, 0]);
    // A first send cannot start at or below the mark: refused whole.
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, mark, 1000, 60_000, 'a', 1, 2, ev('r1'), ev('r2'))).toEqual([-1, 0]);
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, mark, 1000, 60_000, 'r', 0, ev('r0'), 1, ev('r1'), 2, ev('r2'))).toEqual([1, 2]);
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, RT_KEYS.usageApplied('b'), 1000, 60_000, 'r', 0, ev('s0'))).toEqual([1, 0]);
    const ids = (await redis.xrange(RT_KEYS.usageStream, '-', '+')).map(([, f]) => decodeUsageEvent(f).id);
    expect(ids).toEqual(['r0', 'r1', 'r2', 's0']);
  });
});
