import { readUsageSeries, rollupBucket, rollupKey, RT_KEYS, usageEntryEvents, usageEventJson, usageEventRow, usageRowsJson, type UsageEvent } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { streamEventCount, streamEvents } from '../../../../tests/support/usage-stream.js';
import { defineGovernanceCommands } from './limit-scripts.js';
import { rollupArgs } from './usage-rollup-args.js';

const { redis: raw } = useTestRedis();
const redis = defineGovernanceCommands(raw);
const K = 'key_u';
const day = (d: string) => RT_KEYS.keySpendDay(K, d);
const month = (m: string) => RT_KEYS.keySpendMonth(K, m);

/** One record: seq, period, cost (nano-USD), prompt, completion, cached, reservation. */
type Rec = [number, number, number, number, number, number, string];

const keysOf = (pod: string, periods: Array<[string, string]>) => [RT_KEYS.keyApplied(K, pod), RT_KEYS.keyReservations(K), RT_KEYS.keyReserved(K), ...periods.flatMap(([d, m]) => [day(d), month(m)])];

/** The one-by-one form. */
function account(pod: string, periods: Array<[string, string]>, recs: Rec[]): Promise<[number, number]> {
  const keys = keysOf(pod, periods);
  return redis.gwAccountOnce(keys.length, ...keys, 100, 1000, 60_000, 'r', ...recs.flat());
}

/** The aggregate form: seqs first…last, per period [cost nano-USD, records, prompt, completion, cached], then reservations. */
function accountSums(pod: string, periods: Array<[string, string]>, first: number, last: number, sums: number[][], held: string[] = []): Promise<[number, number]> {
  const keys = keysOf(pod, periods);
  return redis.gwAccountOnce(keys.length, ...keys, 100, 1000, 60_000, 'a', first, last, sums.length, ...sums.flat(), ...held);
}

describe('gwAccountOnce', () => {
  it('adds each record to its own period, once: a record at or below the pod\'s mark is skipped', async () => {
    const P: Array<[string, string]> = [['2030-01-31', '2030-01'], ['2030-02-01', '2030-02']];
    expect(await account('a', P, [[0, 1, 250000000, 10, 5, 2, ''], [1, 2, 500000000, 1, 1, 0, '']])).toEqual([2, 0]);
    // The same write again (a reply that was lost), with a new record behind it: only the new one counts.
    expect(await account('a', P, [[0, 1, 250000000, 10, 5, 2, ''], [1, 2, 500000000, 1, 1, 0, ''], [2, 1, 125000000, 3, 3, 3, '']])).toEqual([1, 2]);
    expect(await redis.hgetall(day('2030-01-31'))).toEqual({ cost_nusd: '375000000', requests: '2', prompt_tokens: '13', completion_tokens: '8', cached_tokens: '5' });
    expect(await redis.hgetall(month('2030-02'))).toEqual({ cost_nusd: '500000000', requests: '1', prompt_tokens: '1', completion_tokens: '1', cached_tokens: '0' });
    expect(await redis.ttl(month('2030-02'))).toBeGreaterThan(100);
    // Another pod's sequence is its own.
    expect(await account('b', P, [[0, 1, 1000000000, 0, 0, 0, '']])).toEqual([1, 0]);
    expect(await redis.hget(day('2030-01-31'), 'cost_nusd')).toBe('1375000000');
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
    expect(await account('a', P, [[0, 1, 100000, 1, 1, 0, 'm1|300'], [1, 1, 0, 0, 0, 0, 'm3|999']])).toEqual([2, 0]);
    expect(await redis.zrange(R, 0, -1)).toEqual(['m2|200']);
    expect(await redis.get(S)).toBe('200');
    // Applied before: its reservation is not released again.
    await redis.zadd(R, Date.now() + 60_000, 'm1|300');
    expect(await account('a', P, [[0, 1, 100000, 1, 1, 0, 'm1|300']])).toEqual([0, 1]);
    expect(await redis.get(S)).toBe('200');
  });
});

describe('gwAccountOnce, aggregate form (records sent for the first time)', () => {
  it('adds the sums and sets the mark; refuses, changing nothing, when the mark is already past the first record', async () => {
    const P: Array<[string, string]> = [['2030-01-31', '2030-01']];
    await redis.zadd(RT_KEYS.keyReservations(K), Date.now() + 60_000, 'm1|100');
    await redis.set(RT_KEYS.keyReserved(K), 100);
    expect(await accountSums('a', P, 0, 2, [[750000000, 3, 30, 15, 0]], ['m1|100'])).toEqual([3, 0]);
    expect(await redis.hgetall(day('2030-01-31'))).toMatchObject({ cost_nusd: '750000000', requests: '3', prompt_tokens: '30' });
    expect(await redis.get(RT_KEYS.keyReserved(K))).toBe('0');
    expect(await redis.get(RT_KEYS.keyApplied(K, 'a'))).toBe('2');
    // Records 1…4 cannot be a first send any more: nothing applied, the caller sends them one by one.
    expect(await accountSums('a', P, 1, 4, [[1000000000, 4, 1, 1, 1]])).toEqual([-1, 0]);
    expect(await redis.hget(day('2030-01-31'), 'requests')).toBe('3');
    // One by one, 1 and 2 are skipped and 3, 4 applied.
    expect(await account('a', P, [[1, 1, 250000000, 10, 5, 0, ''], [2, 1, 250000000, 10, 5, 0, ''], [3, 1, 500000000, 1, 1, 0, ''], [4, 1, 500000000, 1, 1, 0, '']])).toEqual([2, 2]);
    expect(await redis.hgetall(day('2030-01-31'))).toMatchObject({ cost_nusd: '1750000000', requests: '5' });
  });
});

/** An event, or a stream entry's raw text (not an event: no rollup buckets for it). */
type Ev = UsageEvent | string;
const TTL = { hourS: 100, dayS: 1000 };
const text = (e: Ev) => (typeof e === 'string' ? e : usageEventJson(e));
const objects = (evs: Ev[]) => evs.filter((e): e is UsageEvent => typeof e !== 'string');
/** An event's row in a compact entry; a raw text `{"id":…}` is a row of its id alone (the other columns default). */
const row = (e: Ev) => (typeof e === 'string' ? JSON.stringify([(JSON.parse(e) as { id: string }).id]) : usageEventRow(e));

/** gwXaddOnce, aggregate form (a first send): the events as one batch, their rollup hashes and the sums the pod computes. */
function xaddA(pod: string, first: number, last: number, evs: Ev[], bound = 1000): Promise<[number, number]> {
  const roll = rollupArgs(objects(evs), TTL, true);
  const keys = [RT_KEYS.usageStream, RT_KEYS.usageApplied(pod), RT_KEYS.usageStreamIndex, ...roll.keys];
  return redis.gwXaddOnce(keys.length, ...keys, bound, 60_000, ...roll.argv, 'a', first, last, evs.length, usageRowsJson(evs.map(row)), ...roll.sums);
}

/** gwXaddOnce, one-by-one form (a resend): `[seq, event]` records; the script sums what it applies. */
function xaddR(pod: string, recs: Array<[number, Ev]>, bound = 1000): Promise<[number, number]> {
  const roll = rollupArgs(objects(recs.map(([, e]) => e)), TTL, false);
  const keys = [RT_KEYS.usageStream, RT_KEYS.usageApplied(pod), RT_KEYS.usageStreamIndex, ...roll.keys];
  return redis.gwXaddOnce(keys.length, ...keys, bound, 60_000, ...roll.argv, 'r', ...recs.flatMap(([seq, e]) => [seq, text(e)]));
}

/** Every rollup hash, by name. */
async function rollups(): Promise<Record<string, Record<string, string>>> {
  const names = (await redis.keys('gw:rt:{usage}:roll:*')).sort();
  return Object.fromEntries(await Promise.all(names.map(async (k) => [k, await redis.hgetall(k)] as const)));
}

describe('gwXaddOnce', () => {
  it('appends each event once per pod sequence', async () => {
    const ev = (id: string) => JSON.stringify({ id });
    expect(await xaddA('a', 0, 1, [ev('r0'), ev('r1')])).toEqual([2, 0]);
    // A first send cannot start at or below the mark: refused whole.
    expect(await xaddA('a', 1, 2, [ev('r1'), ev('r2')])).toEqual([-1, 0]);
    expect(await xaddR('a', [[0, ev('r0')], [1, ev('r1')], [2, ev('r2')]])).toEqual([1, 2]);
    expect(await xaddR('b', [[0, ev('s0')]])).toEqual([1, 0]);
    expect((await streamEvents(redis)).map((e) => e.id)).toEqual(['r0', 'r1', 'r2', 's0']);
    // One entry per call that applied something: [r0, r1], [r2], [s0].
    expect(await redis.xlen(RT_KEYS.usageStream)).toBe(3);
  });
});

describe('gwXaddOnce, usage rollups', () => {
  // 2030-01-31 23:30 and 2030-02-01 00:10 UTC: two hours, two days.
  const T1 = Date.UTC(2030, 0, 31, 23, 30);
  const T2 = Date.UTC(2030, 1, 1, 0, 10);
  const base: UsageEvent = {
    id: 'x', key_id: 'k1', key_name: 'one', model: 'gpt-x', provider: 'p1', upstream_model: 'u', endpoint: '/v1/chat/completions',
    prompt_tokens: 10, completion_tokens: 5, cached_tokens: 2, estimated: false, cost_usd: 0.000123456789, latency_ms: 40, ttfb_ms: 10,
    status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: T1, cache_write_tokens: 3, cache_write_1h_tokens: 1,
  };
  const e1: UsageEvent = { ...base, id: 'e1' };
  const e2: UsageEvent = { ...base, id: 'e2', key_id: 'k2', model: 'gpt-y', status: 429, cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, provider: '', estimated: true, latency_ms: 3 };
  /** An MCP tool call of key k1 (model = the exposed tool, provider = the MCP server), as the gateway records it. */
  const tool: UsageEvent = {
    ...base, id: 't1', kind: 'mcp', bytes: 120, model: 'files__read', provider: 'files', upstream_model: 'read', endpoint: '/mcp',
    prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, cost_usd: 0, latency_ms: 7,
  };
  const e3: UsageEvent = { ...base, id: 'e3', ts: T2, cost_usd: 1.5, aborted: true, latency_ms: 1000 };
  const hour = (ts: number) => rollupBucket('h', ts);
  const day = (ts: number) => rollupBucket('d', ts);

  it('adds each event to its hour and day, in total and per key, model and provider; a resent event not twice', async () => {
    expect(await xaddA('a', 0, 2, [e1, e2, e3])).toEqual([3, 0]);
    // The reply was lost and the batch is sent again one by one with a new event behind it: only the new one counts.
    const e4: UsageEvent = { ...base, id: 'e4', ts: T2, cost_usd: 0.5 };
    expect(await xaddR('a', [[0, e1], [1, e2], [2, e3], [3, e4]])).toEqual([1, 3]);

    expect(await redis.hgetall(rollupKey('h', hour(T1), 'total'))).toEqual({
      requests: '2', errors: '1', prompt_tokens: '10', completion_tokens: '5', cached_tokens: '2', cost_nusd: '123457', estimated: '1', latency_ms: '43', cache_write_tokens: '3',
    });
    expect(await redis.hgetall(rollupKey('h', hour(T2), 'total'))).toEqual({
      requests: '2', errors: '1', prompt_tokens: '20', completion_tokens: '10', cached_tokens: '4', cost_nusd: '2000000000', latency_ms: '1040', cache_write_tokens: '6',
    });
    expect(await redis.hgetall(rollupKey('d', day(T2), 'model', 'cache_write_tokens'))).toEqual({ 'gpt-x': '6' });
    expect(await redis.hgetall(rollupKey('d', day(T1), 'key', 'requests'))).toEqual({ k1: '1', k2: '1' });
    expect(await redis.hgetall(rollupKey('d', day(T2), 'key', 'cost_nusd'))).toEqual({ k1: '2000000000' });
    expect(await redis.hgetall(rollupKey('h', hour(T1), 'model', 'errors'))).toEqual({ 'gpt-y': '1' });
    expect(await redis.hgetall(rollupKey('h', hour(T1), 'provider', 'requests'))).toEqual({ p1: '1', '': '1' });
    // Kept a fixed time after the bucket ends.
    expect(await redis.call('EXPIRETIME', rollupKey('h', hour(T2), 'total'))).toBe((hour(T2) + 1) * 3600 + 100);
    expect(await redis.call('EXPIRETIME', rollupKey('d', day(T1), 'model', 'requests'))).toBe((day(T1) + 1) * 86_400 + 1000);

    const series = await readUsageSeries(redis, { from: T1, to: T2 + 1, granularity: 'hour', by: 'model' });
    expect(series.buckets.map((b) => b.requests)).toEqual([2, 2]);
    expect(series.total).toMatchObject({ requests: 4, errors: 2, cost_usd: 2.000123457 });
    expect(series.groups.map((g) => [g.group, g.requests])).toEqual([['gpt-x', 3], ['gpt-y', 1]]);
  });

  it('the two forms add the same: the sums a pod sends for a first send equal what the script sums on a resend', async () => {
    const many: UsageEvent[] = Array.from({ length: 60 }, (_, i) => ({
      ...base, id: `m${i}`, key_id: `k${i % 7}`, model: `m${i % 3}`, provider: i % 5 ? `p${i % 2}` : '', ts: T1 + i * 60_000,
      cost_usd: (i * 0.000037) / 3, prompt_tokens: i * 11, completion_tokens: i % 4, cached_tokens: i % 3, status: i % 9 ? 200 : 502,
      aborted: i % 13 === 0, estimated: i % 6 === 0, latency_ms: 17.6 * i, cache_write_tokens: i % 5 ? 0 : i * 3,
      ...(i % 11 === 0 ? { kind: 'mcp' as const, bytes: i } : {}),
    }));
    expect(await xaddA('a', 0, 59, many)).toEqual([60, 0]);
    const aggregate = await rollups();
    expect(Object.keys(aggregate)).toHaveLength(4 * 28);
    await redis.flushdb();
    expect(await xaddR('a', many.map((e, i) => [i, e]))).toEqual([60, 0]);
    expect(await rollups()).toEqual(aggregate);
  });

  it('an MCP tool call is streamed, in both forms, and counted in no rollup: the rollups are model requests', async () => {
    expect(await xaddA('a', 0, 1, [tool, { ...tool, id: 't2', ts: T2 }])).toEqual([2, 0]);
    // A batch of a tool call alone needs no bucket at all.
    expect(rollupArgs([tool], TTL, true)).toEqual({ keys: [], argv: [100, 1000, 0, 0], sums: [] });
    expect(await rollups()).toEqual({});
    // Mixed with a model request, in the one-by-one form (the script decodes and skips it), then the aggregate form.
    expect(await xaddR('a', [[0, tool], [1, { ...tool, id: 't2', ts: T2 }], [2, e1], [3, { ...tool, id: 't3' }]])).toEqual([2, 2]);
    expect(await xaddA('a', 4, 5, [{ ...tool, id: 't4' }, { ...e1, id: 'e1b' }])).toEqual([2, 0]);
    expect(await streamEventCount(redis)).toBe(6);
    expect(await redis.hgetall(rollupKey('h', hour(T1), 'total'))).toMatchObject({ requests: '2', latency_ms: '80' });
    expect(await redis.hgetall(rollupKey('d', day(T1), 'model', 'requests'))).toEqual({ 'gpt-x': '2' });
    expect(await redis.hgetall(rollupKey('d', day(T1), 'provider', 'requests'))).toEqual({ p1: '2' });
    const s = await readUsageSeries(redis, { from: T1, to: T2 + 1, granularity: 'hour', by: 'model' });
    expect(s.total.requests).toBe(2);
    expect(s.groups.map((g) => g.group)).toEqual(['gpt-x']);
  });

  it('an entry that is not a usage event is streamed on a resend (as one of defaults, its batch intact), and counted nowhere', async () => {
    expect(await xaddR('a', [[0, 'not json'], [1, e1], [2, '[1]']])).toEqual([3, 0]);
    expect((await streamEvents(redis)).map((e) => e.id)).toEqual(['', 'e1', '']);
    expect(await redis.hget(rollupKey('h', hour(T1), 'total'), 'requests')).toBe('1');
  });
});

describe('gwXaddOnce, the stream bound', () => {
  /** Every entry of the stream as [id, its event ids], and the index list's items. */
  const entries = async () => (await redis.xrange(RT_KEYS.usageStream, '-', '+')).map(([id, f]) => [id, usageEntryEvents(f).map((e) => e.id)] as const);

  it('counts events, not entries: the oldest batches go while at least the bound is left without them', async () => {
    const BOUND = 5;
    let seq = 0;
    const batch = (n: number) => {
      const evs = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `b${seq + i}` }));
      const first = seq;
      seq += n;
      return xaddA('a', first, seq - 1, evs, BOUND);
    };
    for (const n of [3, 3, 3, 1, 1, 7, 1]) {
      expect(await batch(n)).toEqual([n, 0]);
      const kept = await entries();
      const count = kept.reduce((s, [, ids]) => s + ids.length, 0);
      // At least the bound, and less than the bound without the oldest entry.
      expect(count).toBeGreaterThanOrEqual(Math.min(BOUND, seq));
      expect(count - kept[0]![1].length).toBeLessThan(BOUND);
      // The index list names exactly the entries kept, with their counts, in order.
      const index = await redis.lrange(RT_KEYS.usageStreamIndex, 0, -1);
      expect(index.map((item) => item.split(' ').slice(1).join(' '))).toEqual(kept.map(([id, ids]) => `${ids.length} ${id}`));
    }
    // [3, 3, 3] → the first goes; + 1, 1 → the second goes; + 7 → all but the 7; + 1 → 8 (without the 7: 1).
    expect((await entries()).map(([, ids]) => ids)).toEqual([['b11', 'b12', 'b13', 'b14', 'b15', 'b16', 'b17'], ['b18']]);
    // A resend adds only what was not applied, bounded the same way.
    expect(await xaddR('a', [[18, JSON.stringify({ id: 'b18' })], [19, JSON.stringify({ id: 'b19' })]], BOUND)).toEqual([1, 1]);
    expect((await entries()).map(([, ids]) => ids)).toEqual([['b11', 'b12', 'b13', 'b14', 'b15', 'b16', 'b17'], ['b18'], ['b19']]);
  });

  it('entries of one event each, from before batches, go with the first trim', async () => {
    for (let i = 0; i < 4; i++) await redis.xadd(RT_KEYS.usageStream, '*', 'e', JSON.stringify({ id: `old${i}` }));
    expect(await xaddA('a', 0, 1, [JSON.stringify({ id: 'n0' }), JSON.stringify({ id: 'n1' })], 3)).toEqual([2, 0]);
    expect((await streamEvents(redis)).map((e) => e.id)).toEqual(['old0', 'old1', 'old2', 'old3', 'n0', 'n1']);
    expect(await xaddA('a', 2, 4, ['n2', 'n3', 'n4'].map((id) => JSON.stringify({ id })), 3)).toEqual([3, 0]);
    expect((await streamEvents(redis)).map((e) => e.id)).toEqual(['n2', 'n3', 'n4']);
  });
});
