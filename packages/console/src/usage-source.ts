import { aggregateUsage, decodeUsageEvent, readUsage, RT_KEYS, type RedisClient, type UsageEvent, type UsageGroup, type UsageRow } from '@llmgw/core';

/*
 * The console's only door to usage data. Today it reads the usage stream, as `gwctl usage`
 * does (core's readUsage + aggregateUsage): a scan of the range asked for. When the data
 * plane keeps hourly/daily rollups (core's usage-rollup), this one file switches to them.
 */

/** One point of a time series: totals of the events in [t, t + bucket). */
interface UsagePoint {
  /** Bucket start, epoch ms. */
  t: number;
  requests: number;
  errors: number;
  tokens: number;
  cost_usd: number;
}

interface UsageRange {
  from: number;
  to: number;
}

/** What the Overview page shows, in one read of the range. */
interface UsageOverview {
  total: UsageRow;
  series: UsagePoint[];
  bucket: 'hour' | 'day';
  top_keys: UsageRow[];
  top_models: UsageRow[];
}

/** A recent request as the Logs page lists it: no bodies, ever. */
type RequestLine = Pick<
  UsageEvent,
  'id' | 'ts' | 'key_id' | 'key_name' | 'model' | 'provider' | 'upstream_model' | 'endpoint' | 'status' | 'latency_ms' | 'ttfb_ms' | 'prompt_tokens' | 'completion_tokens' | 'cached_tokens' | 'cost_usd' | 'error' | 'stream' | 'attempts'
>;

export interface UsageSource {
  report(r: UsageRange, by: UsageGroup): Promise<{ rows: UsageRow[]; total: UsageRow }>;
  series(r: UsageRange, bucket: 'hour' | 'day'): Promise<UsagePoint[]>;
  overview(r: UsageRange): Promise<UsageOverview>;
  /** Newest first; `before` is a stream id to page back from. */
  recent(limit: number, before?: string): Promise<{ items: Array<RequestLine & { cursor: string }>; next: string | null }>;
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

async function collect(redis: RedisClient, r: UsageRange): Promise<UsageEvent[]> {
  const out: UsageEvent[] = [];
  for await (const e of readUsage(redis, r.from, r.to)) out.push(e);
  return out;
}

function toSeries(events: readonly UsageEvent[], r: UsageRange, bucket: 'hour' | 'day'): UsagePoint[] {
  const size = BUCKET_MS[bucket];
  const points = new Map<number, UsagePoint>();
  // Every bucket of the range is present (zeros included), so a chart's x axis is the range.
  for (let t = Math.floor(r.from / size) * size; t < r.to; t += size) points.set(t, { t, requests: 0, errors: 0, tokens: 0, cost_usd: 0 });
  for (const e of events) {
    const p = points.get(Math.floor(e.ts / size) * size);
    if (!p) continue;
    p.requests++;
    if (e.status >= 400 || e.aborted) p.errors++;
    p.tokens += e.prompt_tokens + e.completion_tokens;
    p.cost_usd += e.cost_usd;
  }
  return [...points.values()].map((p) => ({ ...p, cost_usd: Math.round(p.cost_usd * 1e9) / 1e9 }));
}

const bucketFor = (r: UsageRange): 'hour' | 'day' => (r.to - r.from <= 3 * 86_400_000 ? 'hour' : 'day');

function toLine(e: UsageEvent): RequestLine {
  const { id, ts, key_id, key_name, model, provider, upstream_model, endpoint, status, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens, cost_usd, error, stream, attempts } = e;
  return { id, ts, key_id, key_name, model, provider, upstream_model, endpoint, status, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens, cost_usd, error, stream, attempts };
}

export function streamUsageSource(redis: RedisClient): UsageSource {
  return {
    async report(r, by) {
      return aggregateUsage(await collect(redis, r), by);
    },
    async series(r, bucket) {
      return toSeries(await collect(redis, r), r, bucket);
    },
    async overview(r) {
      const events = await collect(redis, r);
      const bucket = bucketFor(r);
      return {
        total: aggregateUsage(events, 'day').total,
        series: toSeries(events, r, bucket),
        bucket,
        top_keys: aggregateUsage(events, 'key').rows.slice(0, 5),
        top_models: aggregateUsage(events, 'model').rows.slice(0, 5),
      };
    },
    async recent(limit, before) {
      const page = await redis.xrevrange(RT_KEYS.usageStream, before ? `(${before}` : '+', '-', 'COUNT', limit);
      const items = page.map(([id, fields]) => ({ ...toLine(decodeUsageEvent(fields)), cursor: id }));
      return { items, next: page.length === limit ? page[page.length - 1]![0] : null };
    },
  };
}
