import type { RedisClient } from './redis-connect.js';
import {
  ROLLUP_METRICS,
  rollupBucket,
  rollupKey,
  rollupSpanMs,
  type RollupDimension,
  type RollupGranularity,
  type RollupMetric,
} from './usage-rollup-keys.js';

/**
 * What a range of usage adds up to (from the rollups).
 * @public The console and gwctl name it through UsageSeries.
 */
export interface UsageTotals {
  requests: number;
  /** Requests that ended with a status ≥ 400 or a client abort. */
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  /** Prompt tokens written to the provider's prompt cache (any TTL). */
  cache_write_tokens: number;
  cost_usd: number;
  /** Requests whose tokens the gateway estimated. */
  estimated: number;
  avg_latency_ms: number;
  /** Sum of the requests' latencies (what the average is of: lets a reader add ranges exactly). */
  total_latency_ms: number;
}

/** A question to the rollups. */
export interface UsageSeriesQuery {
  /** Epoch ms; rounded down to its bucket. */
  from: number;
  /** Epoch ms, exclusive; rounded up to a bucket's end. */
  to: number;
  /** Hour buckets are kept GW_USAGE_ROLLUP_HOUR_TTL_DAYS (8 by default), day buckets GW_USAGE_ROLLUP_DAY_TTL_DAYS (400). */
  granularity: 'hour' | 'day';
  /** `total`: no groups; otherwise the top groups of the range by cost (then requests, when fewer than `top` cost anything). */
  by: 'total' | RollupDimension;
  /** Only this key (id): buckets and total of that key; `by` must then be `total` or `key`. */
  key?: string;
  /** Most groups returned (default 10); the rest is summed in `other`. */
  top?: number;
}

/** The answer: one row per bucket (empty ones included), the range's total, the top groups. */
export interface UsageSeries {
  from: number;
  to: number;
  granularity: 'hour' | 'day';
  by: UsageSeriesQuery['by'];
  key: string | null;
  buckets: Array<{ start: number } & UsageTotals>;
  total: UsageTotals;
  groups: Array<{ group: string } & UsageTotals>;
  /** What the groups past `top` add up to (null when there are none, or by total). */
  other: UsageTotals | null;
}

/** Most buckets one question may span (400 days of days, or 416 days of hours). */
const MAX_BUCKETS = 10_000;

type Counters = Record<RollupMetric, number>;
const zero = (): Counters => Object.fromEntries(ROLLUP_METRICS.map((m) => [m, 0])) as Counters;

function add(into: Counters, from: Counters): void {
  for (const m of ROLLUP_METRICS) into[m] += from[m];
}

function totals(c: Counters): UsageTotals {
  return {
    requests: c.requests,
    errors: c.errors,
    prompt_tokens: c.prompt_tokens,
    completion_tokens: c.completion_tokens,
    cached_tokens: c.cached_tokens,
    cache_write_tokens: c.cache_write_tokens,
    cost_usd: c.cost_nusd / 1e9,
    estimated: c.estimated,
    avg_latency_ms: c.requests ? Math.round(c.latency_ms / c.requests) : 0,
    total_latency_ms: c.latency_ms,
  };
}

/** The question checked; throws a RangeError naming the field at fault. */
function checkQuery(q: UsageSeriesQuery): { g: RollupGranularity; first: number; end: number; top: number } {
  if (q.granularity !== 'hour' && q.granularity !== 'day') throw new RangeError(`granularity: "${String(q.granularity)}" is not hour or day`);
  if (!['total', 'key', 'model', 'provider'].includes(q.by)) throw new RangeError(`by: "${String(q.by)}" is not total, key, model or provider`);
  if (!Number.isFinite(q.from)) throw new RangeError('from: not a time');
  if (!Number.isFinite(q.to)) throw new RangeError('to: not a time');
  if (q.to <= q.from) throw new RangeError('to: must be later than from');
  if (q.key !== undefined && q.by !== 'total' && q.by !== 'key') throw new RangeError(`by: the rollups of one key are not split by ${q.by} (use by total or key, or the usage stream)`);
  const top = q.top ?? 10;
  if (!Number.isInteger(top) || top < 0) throw new RangeError('top: not a whole number ≥ 0');
  const g: RollupGranularity = q.granularity === 'hour' ? 'h' : 'd';
  const first = rollupBucket(g, q.from);
  const end = Math.ceil(q.to / rollupSpanMs(g));
  if (end - first > MAX_BUCKETS) throw new RangeError(`to: the range spans ${end - first} ${q.granularity}s, more than ${MAX_BUCKETS}`);
  return { g, first, end, top };
}

/**
 * The buckets that cover hours [first, end) with the fewest hashes: whole UTC days as day
 * buckets, the hours before the first and after the last whole day as hour buckets.
 */
function cover(g: RollupGranularity, first: number, end: number): Array<[RollupGranularity, number]> {
  const out: Array<[RollupGranularity, number]> = [];
  if (g === 'd') {
    for (let b = first; b < end; b++) out.push(['d', b]);
    return out;
  }
  const d0 = Math.ceil(first / 24);
  const d1 = Math.floor(end / 24);
  if (d1 <= d0) {
    for (let h = first; h < end; h++) out.push(['h', h]);
    return out;
  }
  for (let h = first; h < d0 * 24; h++) out.push(['h', h]);
  for (let d = d0; d < d1; d++) out.push(['d', d]);
  for (let h = d1 * 24; h < end; h++) out.push(['h', h]);
  return out;
}

type Reply = Array<[Error | null, unknown]> | null;

function replies(r: Reply): unknown[] {
  return (r ?? []).map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

const num = (v: unknown): number => Number(v ?? 0) || 0;

/** Counters of one group of one bucket, from the HGET/HMGET replies of its metrics. */
function countersOf(values: unknown[]): Counters {
  const c = zero();
  ROLLUP_METRICS.forEach((m, i) => (c[m] = num(values[i])));
  return c;
}

/** Reads one field (ARGV[1]) of every key given, in order: one round trip for a key's series. */
const HGET_MANY_LUA = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], ARGV[1]) or false end
return out
`;

/** Per bucket: the bucket's total hash, or the key's fields of its metric hashes (in one script call). */
async function readBuckets(redis: RedisClient, g: RollupGranularity, first: number, end: number, key: string | undefined): Promise<Counters[]> {
  const rows: Counters[] = [];
  if (key === undefined) {
    const p = redis.pipeline();
    for (let b = first; b < end; b++) p.hmget(rollupKey(g, b, 'total'), ...ROLLUP_METRICS);
    for (const v of replies(await p.exec())) rows.push(countersOf(v as unknown[]));
    return rows;
  }
  const keys: string[] = [];
  for (let b = first; b < end; b++) for (const m of ROLLUP_METRICS) keys.push(rollupKey(g, b, 'key', m));
  const values = (await redis.eval(HGET_MANY_LUA, keys.length, ...keys, key)) as unknown[];
  for (let i = 0; i < end - first; i++) rows.push(countersOf(values.slice(i * ROLLUP_METRICS.length, (i + 1) * ROLLUP_METRICS.length)));
  return rows;
}

/** Sum of one metric of every group over the covering buckets (one HGETALL per bucket). */
async function sumMetric(redis: RedisClient, dim: RollupDimension, parts: Array<[RollupGranularity, number]>, metric: RollupMetric): Promise<Map<string, number>> {
  const p = redis.pipeline();
  for (const [g, b] of parts) p.hgetall(rollupKey(g, b, dim, metric));
  const sums = new Map<string, number>();
  for (const h of replies(await p.exec()) as Array<Record<string, string>>) {
    for (const [group, v] of Object.entries(h)) sums.set(group, (sums.get(group) ?? 0) + num(v));
  }
  return sums;
}

/**
 * The top groups of a dimension over the covering buckets: by cost, then (when fewer than `top`
 * groups cost anything: unpriced models, refused requests) by requests; ties by name. The
 * ranking reads one metric (two when it must); the others are read for the winners only.
 */
async function readGroups(redis: RedisClient, dim: RollupDimension, parts: Array<[RollupGranularity, number]>, top: number): Promise<Array<[string, Counters]>> {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const cost = await sumMetric(redis, dim, parts, 'cost_nusd');
  let winners = [...cost.entries()]
    .filter(([, v]) => v > 0)
    .sort(([ga, a], [gb, b]) => b - a || byName(ga, gb))
    .map(([group]) => group);
  if (winners.length < top) {
    const requests = await sumMetric(redis, dim, parts, 'requests');
    const chosen = new Set(winners);
    const rest = [...requests.entries()].filter(([g]) => !chosen.has(g)).sort(([ga, a], [gb, b]) => b - a || byName(ga, gb));
    winners = winners.concat(rest.map(([g]) => g));
  }
  winners = winners.slice(0, top);
  const groups = winners.map((g): [string, Counters] => [g, zero()]);
  if (winners.length === 0) return groups;
  const q = redis.pipeline();
  for (const [g, b] of parts) for (const m of ROLLUP_METRICS) q.hmget(rollupKey(g, b, dim, m), ...winners);
  const values = replies(await q.exec()) as unknown[][];
  values.forEach((row, i) => {
    const m = ROLLUP_METRICS[i % ROLLUP_METRICS.length]!;
    row.forEach((v, k) => (groups[k]![1][m] += num(v)));
  });
  return groups;
}

/**
 * Usage over a range from the rollups (`RT_KEYS.usageRollup`): a row per hour or day, the total,
 * and the top groups by key, model or provider. Cost: one pipelined read per bucket for the
 * series; for groups, two HGETALLs per covering bucket (whole days read as days) and one HMGET
 * per metric of the winners. Everything is under one hash tag (one Cluster slot).
 */
export async function readUsageSeries(redis: RedisClient, q: UsageSeriesQuery): Promise<UsageSeries> {
  const { g, first, end, top } = checkQuery(q);
  const span = rollupSpanMs(g);
  const rows = await readBuckets(redis, g, first, end, q.key);
  const sum = zero();
  for (const r of rows) add(sum, r);
  let groups: Array<[string, Counters]> = [];
  if (q.by === 'key' && q.key !== undefined) groups = sum.requests > 0 && top > 0 ? [[q.key, sum]] : [];
  else if (q.by !== 'total') groups = await readGroups(redis, q.by, cover(g, first, end), top);
  // What the top groups leave of the total (the rollups of a group add up to the total's).
  const rest = { ...sum };
  for (const [, c] of groups) for (const m of ROLLUP_METRICS) rest[m] = Math.max(0, rest[m] - c[m]);
  const other = q.by !== 'total' && q.key === undefined && rest.requests > 0 ? totals(rest) : null;
  return {
    from: first * span,
    to: end * span,
    granularity: q.granularity,
    by: q.by,
    key: q.key ?? null,
    buckets: rows.map((c, i) => ({ start: (first + i) * span, ...totals(c) })),
    total: totals(sum),
    groups: groups.map(([group, c]) => ({ group, ...totals(c) })),
    other,
  };
}
