import { readKeySpend, RT_KEYS, utcDay, windowTotals } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { defineGovernanceCommands } from './limit-scripts.js';

const { redis: raw } = useTestRedis();
const redis = defineGovernanceCommands(raw);
const id = 'key_unit';
const keysOf = (k: string) =>
  [RT_KEYS.keyWindow(k), RT_KEYS.keyConcurrency(k), RT_KEYS.keySpendDay(k, 'd'), RT_KEYS.keySpendMonth(k, 'm'), RT_KEYS.keyReservations(k), RT_KEYS.keyReserved(k)] as const;
const keys = keysOf(id);
const [WIN, CONC, DAY, MONTH, RESV, RESERVED] = keys;
const WINDOW = 60_000;
const BUCKET = 1_000;

interface Limits {
  rpm?: number;
  tpm?: number;
  conc?: number;
  bd?: number;
  bm?: number;
}

/** A batch of admissions (member, token estimate, reservation in nano-USD) in one script call; the reply split per admission, and the batch's bucket. */
async function admitBatchB(o: Limits, batch: Array<[string, number] | [string, number, number]>, ks: readonly string[] = keys): Promise<{ res: Array<Array<number | string>>; bucket: number }> {
  const argv = [o.rpm ?? 0, o.tpm ?? 0, o.conc ?? 0, 60_000, WINDOW, BUCKET, o.bd ?? -1, o.bm ?? -1, '', 0, 0, 0, 0, 0, ...batch.flatMap(([m, e, r]) => [m, e, r ?? 0])];
  const res = await redis.gwAdmitBatch(ks[0]!, ks[1]!, ks[2]!, ks[3]!, ks[4]!, ks[5]!, ...argv);
  expect(res).toHaveLength(batch.length * 5 + 9);
  return { res: batch.map((_, i) => res.slice(i * 5, i * 5 + 5)), bucket: Number(res[batch.length * 5]) };
}

async function admitBatch(o: Limits, batch: Array<[string, number] | [string, number, number]>, ks: readonly string[] = keys): Promise<Array<Array<number | string>>> {
  return (await admitBatchB(o, batch, ks)).res;
}

/** One admission alone in its batch. */
async function admit(member: string, o: Limits & { est?: number; reserve?: number } = {}) {
  return (await admitBatch(o, [[member, o.est ?? 0, o.reserve ?? 0]]))[0]!;
}

/** Redis's clock in ms and the bucket it is in (the script counts by it). */
async function redisNow(): Promise<{ now: number; bucket: number }> {
  const [s, us] = await raw.time();
  const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
  return { now, bucket: Math.floor(now / BUCKET) };
}

/** A reset or retry time: when bucket `b` leaves the window, seen from a moment inside bucket `now` (ms may have passed). */
function expectLeaves(ms: number | string, b: number, nowBucket: number): void {
  const lo = (b + 1) * BUCKET + WINDOW - (nowBucket + 1) * BUCKET;
  expect(Number(ms)).toBeGreaterThanOrEqual(Math.max(1, lo - 50));
  expect(Number(ms)).toBeLessThanOrEqual(lo + BUCKET);
}

describe('admission script', () => {
  it('is atomic: 40 concurrent admissions against rpm 10 let exactly 10 in', async () => {
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => admit(`m${i}`, { rpm: 10 })));
    expect(res.filter((r) => r[0] === 0)).toHaveLength(10);
    const refused = res.find((r) => r[0] === 1)!;
    expect(refused[1]).toBe('requests');
    expect(Number(refused[2])).toBeGreaterThan(WINDOW - 2_000);
    expect(Number(refused[2])).toBeLessThanOrEqual(WINDOW + BUCKET);
    expect(await redis.hget(WIN, '_r')).toBe('10');
  });

  it('takes nothing when one check fails (all or nothing)', async () => {
    await redis.zadd(CONC, Date.now() + 60_000, 'busy');
    expect((await admit('a', { rpm: 5, tpm: 100, est: 10, conc: 1 }))[1]).toBe('concurrency');
    expect(await redis.exists(WIN)).toBe(0);
  });

  it('the window is a few counters, whatever the traffic: 1,000 admissions are one bucket', async () => {
    const { res, bucket } = await admitBatchB({ rpm: 100_000, tpm: 10_000_000 }, Array.from({ length: 1000 }, (_, i): [string, number] => [`m${i}`, 7]));
    expect(res.every((r) => r[0] === 0)).toBe(true);
    const h = await redis.hgetall(WIN);
    // One batch has one clock, so one bucket.
    expect(h).toEqual({ [`r${bucket}`]: '1000', [`t${bucket}`]: '7000', _r: '1000', _t: '7000', _o: String(bucket) });
    const ttl = await redis.pttl(WIN);
    expect(ttl).toBeGreaterThan(WINDOW);
    expect(ttl).toBeLessThanOrEqual(WINDOW + 2 * BUCKET);
    expect(windowTotals(h, Date.now())).toEqual({ requests: 1000, tokens: 7000 });
  });

  it('tpm: counts the estimate, reconciles it in its bucket, refuses what does not fit, and says when a request never fits', async () => {
    const { res, bucket } = await admitBatchB({ tpm: 100 }, [['a', 80]]);
    const { bucket: nowB } = await redisNow();
    expect([res[0]![0], res[0]![1], res[0]![3]]).toEqual([0, -1, 20]);
    // The first admission of an empty window: reset when its own bucket leaves.
    expectLeaves(res[0]![4]!, bucket, bucket);
    expect(nowB - bucket).toBeLessThanOrEqual(1);
    expect((await admit('b', { tpm: 100, est: 30 }))[1]).toBe('tokens');
    await redis.gwRelease(WIN, CONC, '', bucket, 10 - 80);
    expect(await redis.hget(WIN, '_t')).toBe('10');
    expect((await admit('b', { tpm: 100, est: 30 }))[0]).toBe(0);
    expect((await admit('c', { tpm: 100, est: 101 }))[1]).toBe('too_large');
    // Reconciling an admission whose bucket already left the window changes nothing.
    await redis.gwRelease(WIN, CONC, '', bucket - 100, 50);
    expect(await redis.hget(WIN, '_t')).toBe('40');
    expect(await redis.hexists(WIN, `t${bucket - 100}`)).toBe(0);
  });

  it('buckets that left the window leave it with their (reconciled) counts; the rest stay', async () => {
    const { bucket: b } = await redisNow();
    // 70 s ago (out), 61 s ago (out: a bucket counts until it has left the window), 30 s ago (in).
    await redis.hset(WIN, `r${b - 70}`, 4, `t${b - 70}`, 400, `r${b - 61}`, 2, `t${b - 61}`, 90, `r${b - 30}`, 3, `t${b - 30}`, 30, '_r', 9, '_t', 520, '_o', b - 70);
    const res = await admit('new', { rpm: 10, tpm: 100, est: 50 });
    expect([res[0], res[1], res[3]]).toEqual([0, 10 - 3 - 1, 100 - 30 - 50]);
    // Reset: when the oldest counted bucket (30 s ago) leaves.
    expectLeaves(res[2]!, b - 30, b);
    expect(res[4]).toBe(res[2]);
    const h = await redis.hgetall(WIN);
    expect(h[`r${b - 70}`]).toBeUndefined();
    expect(h[`t${b - 61}`]).toBeUndefined();
    expect(h[`r${b - 30}`]).toBe('3');
    expect([h._r, h._t, h._o]).toEqual(['4', '80', String(b - 30)]);
  });

  it('a key idle for longer than the window starts from an empty one', async () => {
    const { bucket: b } = await redisNow();
    await redis.hset(WIN, `r${b - 500}`, 7, `t${b - 500}`, 70, '_r', 7, '_t', 70, '_o', b - 500);
    const { bucket } = await admitBatchB({ rpm: 10 }, [['a', 0]]);
    expect(await redis.hgetall(WIN)).toEqual({ [`r${bucket}`]: '1', _r: '1', _t: '0', _o: String(bucket) });
  });

  it('retry-after is when enough of the oldest buckets have left the window (rpm and tpm)', async () => {
    const { bucket: b } = await redisNow();
    await redis.hset(WIN, `r${b - 30}`, 3, `t${b - 30}`, 60, `r${b - 10}`, 2, `t${b - 10}`, 40, '_r', 5, '_t', 100, '_o', b - 30);
    // rpm 5, used 5: one must leave, the oldest bucket (30 s ago) frees 3.
    const r5 = await admit('x', { rpm: 5 });
    expect([r5[0], r5[1], r5[3]]).toEqual([1, 'requests', 5]);
    expectLeaves(r5[2]!, b - 30, b);
    // rpm 2, used 5: four must leave: 3 with the oldest bucket, the 4th with the next (10 s ago).
    const r2 = await admit('y', { rpm: 2 });
    expectLeaves(r2[2]!, b - 10, b);
    // tpm 100 full: 50 tokens must leave: 60 leave with the oldest bucket.
    const t1 = await admit('z', { tpm: 100, est: 50 });
    expect([t1[0], t1[1], t1[3]]).toEqual([1, 'tokens', 100]);
    expectLeaves(t1[2]!, b - 30, b);
    // tpm 100, estimate 90: 90 must leave: only after both buckets.
    expectLeaves((await admit('w', { tpm: 100, est: 90 }))[2]!, b - 10, b);
    // Refusals write nothing.
    expect(await redis.hget(WIN, '_r')).toBe('5');
  });

  it('budgets: refuses once the spend reaches the daily or monthly budget', async () => {
    expect((await admit('a', { bd: 1, bm: 10 }))[0]).toBe(0);
    await redis.hset(DAY, 'cost', '1.5');
    expect(await admit('b', { bd: 1 })).toEqual([2, 'daily', 1_500_000, -1, 0]);
    await redis.hset(MONTH, 'cost', '10');
    expect((await admit('c', { bd: 2, bm: 10 }))[1]).toBe('monthly');
  });

  it('budgets: the spend is cost_nusd (integer nano-USD) plus the USD cost of hashes written before it, for admission and readKeySpend alike', async () => {
    await redis.hset(DAY, 'cost_nusd', '600000000', 'cost', '0.3');
    // 0.9 spent: 0.1 more fits the budget of 1 exactly, then nothing does.
    expect((await admit('a', { bd: 1, reserve: 100_000_000 }))[0]).toBe(0);
    expect(await admit('b', { bd: 1, reserve: 1_000 })).toEqual([2, 'daily', 900_000, 100_000, 1]);
    const now = new Date();
    await redis.hset(RT_KEYS.keySpendDay(id, utcDay(now)), 'cost_nusd', '600000001', 'cost', '0.3');
    expect((await readKeySpend(redis, id, now)).today.cost_usd).toBe(0.900000001);
  });

  it('concurrency: expired leases are reclaimed, release frees a slot, renew only extends a live lease', async () => {
    await redis.zadd(CONC, Date.now() - 1, 'dead');
    expect((await admit('a', { conc: 1 }))[0]).toBe(0);
    expect((await admit('b', { conc: 1 }))[1]).toBe('concurrency');
    await redis.gwRelease(WIN, CONC, 'a', 0, 0);
    expect((await admit('b', { conc: 1 }))[0]).toBe(0);
    // Several releases in one call (what the limiter sends for requests ending in the same turn).
    await redis.zadd(CONC, Date.now() + 60_000, 'x', Date.now() + 60_000, 'y');
    await redis.gwRelease(WIN, CONC, 'x', 0, 0, 'y', 0, 0);
    expect(await redis.zcard(CONC)).toBe(1);
    const before = Number(await redis.zscore(CONC, 'b'));
    await new Promise((r) => setTimeout(r, 5));
    await redis.gwRenew(CONC, 120_000, 'b');
    expect(Number(await redis.zscore(CONC, 'b'))).toBeGreaterThan(before);
    await redis.gwRenew(CONC, 120_000, 'never-admitted');
    expect(await redis.zscore(CONC, 'never-admitted')).toBeNull();
    // Concurrency alone keeps no window.
    expect(await redis.exists(WIN)).toBe(0);
  });

  it('a batch admits in order: exactly rpm of it, with the remaining count going down', async () => {
    const { res, bucket } = await admitBatchB({ rpm: 5 }, Array.from({ length: 12 }, (_, i): [string, number] => [`m${i}`, 0]));
    expect(res.map((r) => r[0])).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(res.slice(0, 5).map((r) => r[1])).toEqual([4, 3, 2, 1, 0]);
    expect(res[5]!.slice(0, 2)).toEqual([1, 'requests']);
    expect(res[5]![3]).toBe(5); // used
    expect(await redis.hmget(WIN, `r${bucket}`, '_r')).toEqual(['5', '5']);
  });

  it('a batch takes each admission all or nothing: a refused one in the middle takes nothing', async () => {
    // est 101 never fits; 60 + 30 fit; then 20 does not (tokens), 10 does.
    const { res, bucket } = await admitBatchB({ tpm: 100, rpm: 10 }, [['a', 60], ['big', 101], ['b', 30], ['c', 20], ['d', 10]]);
    expect(res.map((r) => [r[0], r[1]])).toEqual([[0, 9], [1, 'too_large'], [0, 8], [1, 'tokens'], [0, 7]]);
    expect(res.filter((r) => r[0] === 0).map((r) => r[3])).toEqual([40, 10, 0]);
    expect(await redis.hmget(WIN, '_t', '_r', `t${bucket}`, `r${bucket}`)).toEqual(['100', '3', '100', '3']);
  });

  it('budgets: each admission reserves its cost; spent + reserved + its own must fit, in a batch and across calls', async () => {
    await redis.hset(DAY, 'cost', '0.4');
    // Budget 1 USD, 0.4 spent: 0.25 + 0.25 fit, the third 0.25 does not (0.4 + 0.5 + 0.25 > 1); 0.1 still does.
    const q = 250_000_000;
    const res = await admitBatch({ bd: 1 }, [['a', 0, q], ['b', 0, q], ['c', 0, q], ['d', 0, 50_000_000]]);
    expect(res.map((r) => r[0])).toEqual([0, 0, 2, 0]);
    // Refused: spent, reserved by the others, its own (micro-USD).
    expect(res[2]).toEqual([2, 'daily', 400_000, 500_000, 250_000]);
    expect(await redis.get(RESERVED)).toBe(String(2 * q + 50_000_000));
    expect((await redis.zrange(RESV, 0, -1)).sort()).toEqual(['a|250000000', 'b|250000000', 'd|50000000']);
    // Another call (another pod) sees the reservations of the first: 0.4 + 0.55 + 0.05 = the budget exactly.
    expect((await admit('e', { bd: 1, reserve: 50_000_000 }))[0]).toBe(0);
    expect((await admit('f', { bd: 1, reserve: 1 }))[0]).toBe(2);
    // A request costing more than what is left, with nothing in flight, says so (reserved 0 after release).
    await redis.gwUnreserve(RESV, RESERVED, 'a|250000000', 'b|250000000', 'd|50000000', 'e|50000000', 'gone|5');
    expect(await redis.get(RESERVED)).toBe('0');
    expect(await admit('g', { bd: 1, reserve: 700_000_000 })).toEqual([2, 'daily', 400_000, 0, 700_000]);
  });

  it("budgets: a dead pod's reservations free when their lease ends; a sum left without reservations resets", async () => {
    const now = (await redisNow()).now;
    await redis.zadd(RESV, now - 1, 'dead|600000000', now + 60_000, 'live|100000000');
    await redis.set(RESERVED, 700_000_000);
    expect((await admit('a', { bd: 1, reserve: 800_000_000 }))[0]).toBe(0);
    expect(await redis.get(RESERVED)).toBe('900000000');
    expect(await redis.zscore(RESV, 'dead|600000000')).toBeNull();
    // Keys lost (eviction, a flush of one of them): the zset is the truth.
    await redis.del(RESV);
    await redis.set(RESERVED, 123);
    expect((await admit('b', { bd: 1, reserve: 999_999_999 }))[0]).toBe(0);
    expect(await redis.get(RESERVED)).toBe('999999999');
  });

  it('a batch over a budget is refused as a whole, and concurrency counts the batch itself', async () => {
    await redis.hset(MONTH, 'cost', '3');
    expect(await admitBatch({ bm: 3 }, [['a', 0], ['b', 0]])).toEqual([[2, 'monthly', 3_000_000, -1, 0], [2, 'monthly', 3_000_000, -1, 0]]);
    const res = await admitBatch({ conc: 2 }, [['x', 0], ['y', 0], ['z', 0]]);
    expect(res.map((r) => r[0])).toEqual([0, 0, 1]);
    expect(res[2]!.slice(1, 4)).toEqual(['concurrency', 1000, 2]);
    expect((await redis.zrange(CONC, 0, -1)).sort()).toEqual(['x', 'y']);
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
      expect(await redis.hmget(all[0], '_r', '_t')).toEqual(await redis.hmget(one[0], '_r', '_t'));
      expect(await redis.zcard(all[1])).toBe(await redis.zcard(one[1]));
    }
  });

  it('release: many admissions in one call, the same bucket twice, counts never below zero', async () => {
    await redis.hset(WIN, 't100', 50, 't101', 20, 't102', 10, '_t', 80);
    await redis.zadd(CONC, Date.now() + 60_000, 'a', Date.now() + 60_000, 'b');
    // 100: 50 → 45 → 40 (twice); 101: 20 - 30 → 0 (clamped, moves the total by 20 only); 102: slot only; 50: not in the window.
    await redis.gwRelease(WIN, CONC, '', 100, -5, 'b', 101, -30, 'a', 100, -5, '', 102, 0, 'gone', 50, 40);
    expect(await redis.hgetall(WIN)).toEqual({ t100: '40', t101: '0', t102: '10', _t: '50' });
    expect(await redis.zcard(CONC)).toBe(0);
  });

  it('a lease: granted all or nothing, each part at most a quarter of what is left; the reply says what is left', async () => {
    const limits = [100, 10_000, 20, 60_000, WINDOW, BUCKET, 1, -1] as const;
    const ask = (id: string, s: number, t: number, c: number, m: number, batch: Array<string | number> = []) =>
      redis.gwAdmitBatch(WIN, CONC, DAY, MONTH, RESV, RESERVED, ...limits, id, s, t, c, m, 0, ...batch);
    // One admission (10 tokens, $0.01 reserved) and a lease of 24 requests, 2,400 tokens, 4 slots, $0.2 after it.
    const res = await ask('L1', 24, 2400, 4, 2e8, ['m1', 10, 1e7]);
    expect(res.slice(0, 5)).toEqual([0, 99, expect.any(Number), 9990, expect.any(Number)]);
    const [b, granted, , rpmLeft, tpmLeft, concLeft, usdLeft] = res.slice(5).map(Number);
    expect([granted, rpmLeft, tpmLeft, concLeft, usdLeft]).toEqual([1, 75, 7590, 15, 1e9 - 1e7 - 2e8]);
    expect(await raw.hmget(WIN, `r${b}`, `t${b}`, '_r', '_t')).toEqual(['25', '2410', '25', '2410']);
    expect(await raw.zrange(CONC, 0, -1)).toEqual(expect.arrayContaining(['m1', 'L1.1', 'L1.2', 'L1.3', 'L1.4']));
    expect(await raw.zscore(RESV, 'L1|200000000')).not.toBeNull();
    expect(await raw.get(RESERVED)).toBe(String(1e7 + 2e8));
    // 19 requests would be more than a quarter of the 75 left: nothing of it is taken.
    const refused = await ask('L2', 19, 10, 1, 1);
    expect(Number(refused[1])).toBe(0);
    expect(await raw.hget(WIN, '_r')).toBe('25');
    expect(await raw.zcard(CONC)).toBe(5);
    expect(await raw.zscore(RESV, 'L2|1')).toBeNull();
    // Any one part too big refuses the whole: slots (4 × 4 > 15 left).
    expect(Number((await ask('L3', 2, 10, 4, 1))[1])).toBe(0);
    expect(Number((await ask('L3', 2, 10, 3, 1))[1])).toBe(1);
  });

  it('give back: a lease\'s unspent requests and tokens leave its bucket, its free slots go; once per lease; never below zero', async () => {
    const res = await redis.gwAdmitBatch(WIN, CONC, DAY, MONTH, RESV, RESERVED, 100, 10_000, 20, 60_000, WINDOW, BUCKET, -1, -1, 'L1', 20, 2000, 4, 0, 0);
    const b = Number(res[0]);
    // 12 requests unspent, 1,500 tokens unspent and 100 more used than estimated, slots 3 and 4 free.
    await redis.gwGiveBack(WIN, CONC, `${WIN}:gb:L1`, b, 12, -1400, 60_000, 'L1.3', 'L1.4');
    expect(await raw.hmget(WIN, `r${b}`, `t${b}`, '_r', '_t')).toEqual(['8', '600', '8', '600']);
    expect((await raw.zrange(CONC, 0, -1)).sort()).toEqual(['L1.1', 'L1.2']);
    // Once per lease: the same give-back again (a retry after a lost reply) changes nothing.
    expect(await redis.gwGiveBack(WIN, CONC, `${WIN}:gb:L1`, b, 12, -1400, 60_000, 'L1.3', 'L1.4')).toBe(0);
    expect(await raw.hmget(WIN, `r${b}`, `t${b}`, '_r', '_t')).toEqual(['8', '600', '8', '600']);
    expect(await raw.pttl(`${WIN}:gb:L1`)).toBeGreaterThan(59_000);
    await redis.gwGiveBack(WIN, CONC, `${WIN}:gb:L2`, b, 50, -5000, 60_000);
    expect(await raw.hmget(WIN, `r${b}`, `t${b}`, '_r', '_t')).toEqual(['0', '0', '0', '0']);
    // A bucket no longer in the hash (it left the window): nothing to take off.
    await redis.gwGiveBack(WIN, CONC, `${WIN}:gb:L3`, b - 100, 5, -5, 60_000);
    expect(await raw.hget(WIN, '_r')).toBe('0');
  });

  it('a lease asked within `ahead` ms of its bucket end counts in the next bucket and says so; no pass over the window loses it', async () => {
    const limits = [100, 10_000, 1, 60_000, WINDOW, BUCKET, -1, -1] as const;
    // ahead = a whole bucket: every ask is near enough the end.
    const res = await redis.gwAdmitBatch(WIN, CONC, DAY, MONTH, RESV, RESERVED, ...limits, 'L1', 20, 2000, 0, 0, BUCKET, 'm1', 10, 0);
    const [b, granted, , rpmLeft, , , , , lb] = res.slice(5).map(Number);
    expect([granted, lb, rpmLeft]).toEqual([1, b! + 1, 79]);
    expect(await raw.hmget(WIN, `r${b}`, `r${lb}`, `t${lb}`, '_r', '_t', '_o')).toEqual(['1', '20', '2000', '21', '2010', String(b)]);
    // Not near the end (ahead 0): this bucket, as before.
    const now = await redis.gwAdmitBatch(WIN, CONC, DAY, MONTH, RESV, RESERVED, ...limits, 'L2', 1, 10, 0, 0, 0);
    expect(Number(now[8])).toBe(Number(now[0]));
    await raw.del(WIN, CONC);

    // A window whose oldest count has left it and whose only other count is a lease in the next
    // bucket: the pass that takes the old one out must find the lease's, not drop the hash.
    const { bucket } = await redisNow();
    await raw.hset(WIN, `r${bucket - 100}`, 5, `r${bucket + 1}`, 7, '_o', bucket - 100, '_r', 12);
    await raw.zadd(CONC, Date.now() + 60_000, 'busy');
    // Refused (the one slot is taken): nothing is taken, but the window is swept.
    const refused = await admit('m2', { rpm: 100, conc: 1 });
    expect(refused.slice(0, 2)).toEqual([1, 'concurrency']);
    expect(await raw.hmget(WIN, `r${bucket + 1}`, '_r')).toEqual(['7', '7']);
  });
});
