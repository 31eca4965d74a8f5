import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';
import { rollupKey, type RollupDimension, type RollupGranularity } from './usage-rollup-keys.js';
import { readUsageSeries } from './usage-rollup.js';

const { redis } = useTestRedis();
const H = 3_600_000;
const D = 24 * H;
// 2030-03-10 00:00 UTC, a day boundary.
const DAY0 = Date.UTC(2030, 2, 10);

/** What the data plane's script adds for one request: hour and day buckets, total and per group. */
async function put(ts: number, groups: Record<RollupDimension, string>, requests: number, nusd: number, errors = 0): Promise<void> {
  const p = redis.pipeline();
  for (const [g, span] of [['h', H], ['d', D]] as Array<[RollupGranularity, number]>) {
    const b = Math.floor(ts / span);
    p.hincrby(rollupKey(g, b, 'total'), 'requests', requests).hincrby(rollupKey(g, b, 'total'), 'cost_nusd', nusd).hincrby(rollupKey(g, b, 'total'), 'errors', errors);
    p.hincrby(rollupKey(g, b, 'total'), 'latency_ms', 10 * requests);
    for (const [dim, group] of Object.entries(groups) as Array<[RollupDimension, string]>) {
      p.hincrby(rollupKey(g, b, dim, 'requests'), group, requests).hincrby(rollupKey(g, b, dim, 'cost_nusd'), group, nusd).hincrby(rollupKey(g, b, dim, 'errors'), group, errors);
      p.hincrby(rollupKey(g, b, dim, 'latency_ms'), group, 10 * requests);
    }
  }
  await p.exec();
}

describe('readUsageSeries', () => {
  it('a row per bucket (empty ones too), the total, the top groups by cost then requests, the rest in other', async () => {
    await put(DAY0 + 2 * H, { key: 'k1', model: 'm1', provider: 'p1' }, 3, 3_000_000_000, 1);
    await put(DAY0 + 5 * H, { key: 'k2', model: 'm2', provider: 'p1' }, 5, 1_000_000_000);
    await put(DAY0 + 5 * H, { key: 'k3', model: 'm2', provider: 'p2' }, 7, 1_500_000_000);
    await put(DAY0 + 26 * H, { key: 'k1', model: 'm1', provider: 'p1' }, 1, 0);
    const s = await readUsageSeries(redis, { from: DAY0, to: DAY0 + 6 * H, granularity: 'hour', by: 'key', top: 2 });
    expect(s.from).toBe(DAY0);
    expect(s.to).toBe(DAY0 + 6 * H);
    expect(s.buckets.map((b) => b.requests)).toEqual([0, 0, 3, 0, 0, 12]);
    expect(s.buckets[2]).toMatchObject({ start: DAY0 + 2 * H, errors: 1, cost_usd: 3, avg_latency_ms: 10 });
    expect(s.total).toMatchObject({ requests: 15, errors: 1, cost_usd: 5.5 });
    expect(s.groups.map((g) => [g.group, g.requests, g.cost_usd])).toEqual([['k1', 3, 3], ['k3', 7, 1.5]]);
    expect(s.other).toMatchObject({ requests: 5, cost_usd: 1 });
  });

  it('groups that cost nothing (unpriced, refused) fill the top after those that cost something, by requests', async () => {
    await put(DAY0, { key: 'paid', model: 'm1', provider: 'p1' }, 1, 10);
    await put(DAY0, { key: 'free-big', model: 'm1', provider: 'p1' }, 9, 0);
    await put(DAY0, { key: 'free-small', model: 'm1', provider: 'p1' }, 2, 0);
    const s = await readUsageSeries(redis, { from: DAY0, to: DAY0 + H, granularity: 'hour', by: 'key', top: 2 });
    expect(s.groups.map((g) => g.group)).toEqual(['paid', 'free-big']);
    expect(s.other).toMatchObject({ requests: 2, cost_usd: 0 });
  });

  it('groups over whole days are read from day buckets, the edges from hour buckets: the same answer', async () => {
    await put(DAY0 - 2 * H, { key: 'k1', model: 'm1', provider: 'p1' }, 1, 0); // edge before
    await put(DAY0 + 3 * H, { key: 'k2', model: 'm1', provider: 'p1' }, 2, 0); // whole day 1
    await put(DAY0 + D + 23 * H, { key: 'k2', model: 'm2', provider: 'p2' }, 4, 0); // whole day 2
    await put(DAY0 + 2 * D + H, { key: 'k3', model: 'm2', provider: 'p2' }, 8, 0); // edge after
    await put(DAY0 + 2 * D + 5 * H, { key: 'k9', model: 'm9', provider: 'p9' }, 100, 0); // outside
    // Day buckets alone would also count k9, the hours alone need 52 reads: each part from its own.
    const s = await readUsageSeries(redis, { from: DAY0 - 2 * H, to: DAY0 + 2 * D + 2 * H, granularity: 'hour', by: 'model' });
    expect(s.buckets).toHaveLength(52);
    expect(s.total.requests).toBe(15);
    expect(s.groups.map((g) => [g.group, g.requests])).toEqual([['m2', 12], ['m1', 3]]);
    expect(s.other).toBeNull();
    const days = await readUsageSeries(redis, { from: DAY0, to: DAY0 + 2 * D, granularity: 'day', by: 'provider' });
    expect(days.buckets.map((b) => b.requests)).toEqual([2, 4]);
    expect(days.groups.map((g) => [g.group, g.requests])).toEqual([['p2', 4], ['p1', 2]]);
  });

  it('one key: its own buckets and total', async () => {
    await put(DAY0 + H, { key: 'k1', model: 'm1', provider: 'p1' }, 2, 500);
    await put(DAY0 + H, { key: 'k2', model: 'm1', provider: 'p1' }, 9, 0);
    const s = await readUsageSeries(redis, { from: DAY0, to: DAY0 + 2 * H, granularity: 'hour', by: 'key', key: 'k1' });
    expect(s.buckets.map((b) => b.requests)).toEqual([0, 2]);
    expect(s.total).toMatchObject({ requests: 2, cost_usd: 5e-7 });
    expect(s.groups.map((g) => g.group)).toEqual(['k1']);
    const none = await readUsageSeries(redis, { from: DAY0, to: DAY0 + 2 * H, granularity: 'hour', by: 'total', key: 'nobody' });
    expect(none.total.requests).toBe(0);
    expect(none.groups).toEqual([]);
  });

  it('bad questions are refused with the field at fault, before any read', async () => {
    const q = { from: DAY0, to: DAY0 + H, granularity: 'hour', by: 'total' } as const;
    await expect(readUsageSeries(redis, { ...q, to: DAY0 })).rejects.toThrow(/^to: must be later than from/);
    await expect(readUsageSeries(redis, { ...q, from: Number.NaN })).rejects.toThrow(/^from: not a time/);
    await expect(readUsageSeries(redis, { ...q, granularity: 'week' as 'day' })).rejects.toThrow(/^granularity:/);
    await expect(readUsageSeries(redis, { ...q, by: 'endpoint' as 'key' })).rejects.toThrow(/^by:/);
    await expect(readUsageSeries(redis, { ...q, by: 'model', key: 'k1' })).rejects.toThrow(/^by: the rollups of one key are not split by model/);
    await expect(readUsageSeries(redis, { ...q, top: -1 })).rejects.toThrow(/^top:/);
    await expect(readUsageSeries(redis, { ...q, to: DAY0 + 20_000 * H })).rejects.toThrow(/^to: the range spans 20000 hours/);
  });
});
