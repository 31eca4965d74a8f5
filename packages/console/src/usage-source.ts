import { readUsage, readUsageSeries, RT_KEYS, usageEntryEvents, type RedisClient, type UsageEvent, type UsageGroup, type UsageRow } from '@llmgw/core';
import { DAY_MS, HOUR_BUCKETS_KEPT_MS, HOUR_MS, segments as cut, type Segment } from './usage-ranges.js';
import { addEvent, addTotals, emptyTally, sortRows, toRow, type Tally } from './usage-tally.js';

/*
 * The console's only door to usage data. Totals, series and rankings come from the hourly and
 * daily rollups the data plane keeps (core's readUsageSeries): a few hashes per hour or day,
 * whatever the number of requests. Only what the rollups cannot answer is read from the usage
 * stream: the parts of a range before its first and after its last whole hour (at most an hour
 * each), and the list of recent requests. Like the rollups, the usage views count model
 * requests: MCP tool calls (events of kind `mcp`) are left out (docs/console.md).
 */

/** One point of a time series: totals of the requests in [t, t + bucket). */
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

const BUCKET_MS = { hour: HOUR_MS, day: DAY_MS } as const;
/** Stream entries per XREVRANGE of the recent requests (each holds one write's batch of events). */
const RECENT_PAGE = 16;
const bucketFor = (r: UsageRange): 'hour' | 'day' => (r.to - r.from <= 3 * DAY_MS ? 'hour' : 'day');
const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10);

function toLine(e: UsageEvent): RequestLine {
  const { id, ts, key_id, key_name, model, provider, upstream_model, endpoint, status, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens, cost_usd, error, stream, attempts } = e;
  return { id, ts, key_id, key_name, model, provider, upstream_model, endpoint, status, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens, cost_usd, error, stream, attempts };
}

/** Key ids → names, for naming key rows as `gwctl usage` does: `name (id)`. */
type KeyNames = () => Promise<Map<string, string>>;

export function rollupUsageSource(redis: RedisClient, keyNames: KeyNames, now: () => number = Date.now): UsageSource {
  const segments = (from: number, to: number, days: boolean) => cut(from, to, days, now() - HOUR_BUCKETS_KEPT_MS);

  /** The model requests of the stream segments (the sub-hour edges), one scan each. */
  async function edgeEvents(segs: readonly Segment[]): Promise<UsageEvent[]> {
    const out: UsageEvent[] = [];
    for (const s of segs) {
      if (s.src !== 'stream') continue;
      for await (const e of readUsage(redis, s.from, s.to)) if (e.kind !== 'mcp') out.push(e);
    }
    return out;
  }

  /** Per bucket of `bucket` size, and in total: the rollup segments' buckets plus the edge events. */
  async function tallyByBucket(segs: readonly Segment[], edges: readonly UsageEvent[], bucket: 'hour' | 'day'): Promise<{ total: Tally; points: Map<number, Tally> }> {
    const size = BUCKET_MS[bucket];
    const points = new Map<number, Tally>();
    const at = (ts: number) => {
      const t = Math.floor(ts / size) * size;
      let p = points.get(t);
      if (!p) points.set(t, (p = emptyTally()));
      return p;
    };
    const total = emptyTally();
    const reads = segs.filter((s) => s.src !== 'stream').map((s) => readUsageSeries(redis, { from: s.from, to: s.to, granularity: s.src as 'hour' | 'day', by: 'total' }));
    for (const series of await Promise.all(reads)) {
      for (const b of series.buckets) if (b.requests > 0) addTotals(at(b.start), b);
      addTotals(total, series.total);
    }
    for (const e of edges) {
      addEvent(at(e.ts), e);
      addEvent(total, e);
    }
    return { total, points };
  }

  /**
   * The top `top` groups of the range (all without `top`), exact: the whole hours from the rollups
   * in one question (whole days read as days), the edges from their events. A group outside the
   * rollups' top (top + the edges' groups) cannot pass that many groups that only grow.
   */
  async function groups(segs: readonly Segment[], edges: readonly UsageEvent[], by: 'key' | 'model' | 'provider', top?: number): Promise<UsageRow[]> {
    const of = (e: UsageEvent) => (by === 'key' ? e.key_id : by === 'model' ? e.model : e.provider);
    const tallies = new Map<string, Tally>();
    const at = (g: string) => {
      let t = tallies.get(g);
      if (!t) tallies.set(g, (t = emptyTally()));
      return t;
    };
    const whole = segs.filter((s) => s.src !== 'stream');
    if (whole.length > 0) {
      const from = whole[0]!.from;
      const to = whole[whole.length - 1]!.to;
      const edgeGroups = new Set(edges.map(of)).size;
      const granularity = from % DAY_MS === 0 && to % DAY_MS === 0 ? 'day' : 'hour';
      const s = await readUsageSeries(redis, { from, to, granularity, by, top: top === undefined ? Number.MAX_SAFE_INTEGER : top + edgeGroups });
      for (const g of s.groups) addTotals(at(g.group), g);
    }
    for (const e of edges) addEvent(at(of(e)), e);
    const names = by === 'key' ? await keyNames() : new Map<string, string>();
    for (const e of edges) if (by === 'key' && !names.has(e.key_id) && e.key_name) names.set(e.key_id, e.key_name);
    const label = (g: string) => (by === 'key' ? (names.get(g) ? `${names.get(g)} (${g})` : g) : by === 'provider' ? g || '(none)' : g);
    const rows = sortRows([...tallies].map(([g, t]) => toRow(label(g), t)), false);
    return top === undefined ? rows : rows.slice(0, top);
  }

  function points(tallied: Map<number, Tally>, r: UsageRange, bucket: 'hour' | 'day'): UsagePoint[] {
    const size = BUCKET_MS[bucket];
    const out: UsagePoint[] = [];
    // Every bucket of the range is present (zeros included), so a chart's x axis is the range.
    for (let t = Math.floor(r.from / size) * size; t < r.to; t += size) {
      const p = tallied.get(t) ?? emptyTally();
      out.push({ t, requests: p.requests, errors: p.errors, tokens: p.prompt_tokens + p.completion_tokens, cost_usd: p.nusd / 1e9 });
    }
    return out;
  }

  return {
    async report(r, by) {
      const segs = segments(r.from, r.to, true);
      const edges = await edgeEvents(segs);
      if (by !== 'day') {
        const [rows, { total }] = await Promise.all([groups(segs, edges, by), tallyByBucket(segs, edges, 'day')]);
        return { rows, total: toRow('total', total) };
      }
      const { total, points: days } = await tallyByBucket(segs, edges, 'day');
      const rows = [...days].filter(([, t]) => t.requests > 0).map(([start, t]) => toRow(dayOf(start), t));
      return { rows: sortRows(rows, true), total: toRow('total', total) };
    },
    async series(r, bucket) {
      const segs = segments(r.from, r.to, bucket === 'day');
      return points((await tallyByBucket(segs, await edgeEvents(segs), bucket)).points, r, bucket);
    },
    async overview(r) {
      const bucket = bucketFor(r);
      const segs = segments(r.from, r.to, bucket === 'day');
      const edges = await edgeEvents(segs);
      const [tallied, top_keys, top_models] = await Promise.all([tallyByBucket(segs, edges, bucket), groups(segs, edges, 'key', 5), groups(segs, edges, 'model', 5)]);
      return { total: toRow('total', tallied.total), series: points(tallied.points, r, bucket), bucket, top_keys, top_models };
    },
    async recent(limit, before) {
      // A cursor is `<entry id>.<event index>`: an entry holds a batch of events (a bare id, the
      // cursor of entries that held one event, means before the whole entry).
      const [at, index] = before ? before.split('.') : [];
      let end = at === undefined ? '+' : index === undefined ? `(${at}` : at;
      const items: Array<RequestLine & { cursor: string }> = [];
      // One more than asked tells whether there is an older page.
      while (items.length <= limit) {
        const page = await redis.xrevrange(RT_KEYS.usageStream, end, '-', 'COUNT', RECENT_PAGE);
        for (const [id, fields] of page) {
          const events = usageEntryEvents(fields);
          const top = id === at && index !== undefined ? Math.min(events.length, Number(index)) : events.length;
          for (let i = top - 1; i >= 0 && items.length <= limit; i--) items.push({ ...toLine(events[i]!), cursor: `${id}.${i}` });
        }
        if (page.length < RECENT_PAGE) break;
        end = `(${page[page.length - 1]![0]}`;
      }
      const more = items.length > limit;
      if (more) items.length = limit;
      return { items, next: more ? items[limit - 1]!.cursor : null };
    },
  };
}
