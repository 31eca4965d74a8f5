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

function account(pod: string, periods: Array<[string, string]>, recs: Rec[]): Promise<[number, number]> {
  const keys = [RT_KEYS.keyApplied(K, pod), RT_KEYS.keyReservations(K), RT_KEYS.keyReserved(K), ...periods.flatMap(([d, m]) => [day(d), month(m)])];
  return redis.gwAccountOnce(keys.length, ...keys, 100, 1000, 60_000, ...recs.flat());
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

describe('gwXaddOnce', () => {
  it('appends each event once per pod sequence', async () => {
    const mark = RT_KEYS.usageApplied('a');
    const ev = (id: string) => JSON.stringify({ id });
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, mark, 1000, 60_000, 0, ev('r0'), 1, ev('r1'))).toEqual([2, 0]);
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, mark, 1000, 60_000, 0, ev('r0'), 1, ev('r1'), 2, ev('r2'))).toEqual([1, 2]);
    expect(await redis.gwXaddOnce(RT_KEYS.usageStream, RT_KEYS.usageApplied('b'), 1000, 60_000, 0, ev('s0'))).toEqual([1, 0]);
    const ids = (await redis.xrange(RT_KEYS.usageStream, '-', '+')).map(([, f]) => decodeUsageEvent(f).id);
    expect(ids).toEqual(['r0', 'r1', 'r2', 's0']);
  });
});
