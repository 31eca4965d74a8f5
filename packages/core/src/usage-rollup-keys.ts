import { RT_KEYS } from './redis-keys.js';

/**
 * The usage rollups: per hour and per UTC day, counters of every model request's usage event, in
 * total and per key, model and provider. MCP tool calls (events of kind `mcp`) are not in them:
 * they are neither model requests nor priced, and would be counted as requests to a "model"
 * named after the tool; they are read from the usage stream (`gwctl usage --kind mcp`). The data plane adds each event to them in the same script call that
 * appends it to the usage stream, guarded by the same exactly-once mark, so the rollups are the
 * sum of the stream (of everything ever streamed: they outlive the stream's MAXLEN trim).
 *
 * One hash per bucket and part, all under the stream's hash tag (one Cluster slot, the slot the
 * stream already lives in): `total` holds one field per metric; `<dimension>:<metric>` holds one
 * field per group (key id, public model, provider; '' for requests no provider answered). A
 * metric per hash lets a reader rank groups by reading one metric, not all of them.
 */

/** The groupings kept besides the total. */
export const ROLLUP_DIMENSIONS = ['key', 'model', 'provider'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/**
 * The counters, all integers (HINCRBY: exact, no float drift): requests; errors (status ≥ 400
 * or the client went away, as `gwctl usage` counts them); tokens; cost in nano-USD; requests
 * with estimated tokens; the sum of latencies in ms (for averages); prompt tokens written to the
 * provider's prompt cache (any TTL). The order is the script's; a metric added later is read as 0
 * from buckets written before it.
 */
export const ROLLUP_METRICS = ['requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_nusd', 'estimated', 'latency_ms', 'cache_write_tokens'] as const;
export type RollupMetric = (typeof ROLLUP_METRICS)[number];

/** `h`: buckets of one hour (bucket = epoch hour); `d`: one UTC day (bucket = epoch day). */
export type RollupGranularity = 'h' | 'd';

const SPAN_MS: Record<RollupGranularity, number> = { h: 3_600_000, d: 86_400_000 };

/** Length in ms of one bucket. */
export function rollupSpanMs(g: RollupGranularity): number {
  return SPAN_MS[g];
}

/** The bucket holding epoch ms `ts`. */
export function rollupBucket(g: RollupGranularity, ts: number): number {
  return Math.floor(ts / SPAN_MS[g]);
}

/** Name of one hash of a bucket: `total`, or one metric of one dimension. */
export function rollupKey(g: RollupGranularity, bucket: number, dim: RollupDimension | 'total', metric?: RollupMetric): string {
  return RT_KEYS.usageRollup(g, bucket, dim === 'total' ? 'total' : `${dim}:${metric}`);
}

/**
 * Every hash of one bucket, in the order the data plane's script expects them: `total`, then
 * each dimension's metrics (dimension-major, in ROLLUP_DIMENSIONS × ROLLUP_METRICS order).
 */
export function rollupBlockKeys(g: RollupGranularity, bucket: number): string[] {
  const keys = [rollupKey(g, bucket, 'total')];
  for (const d of ROLLUP_DIMENSIONS) for (const m of ROLLUP_METRICS) keys.push(rollupKey(g, bucket, d, m));
  return keys;
}
