import { nanoUsd, type UsageEvent, type UsageRow, type UsageTotals } from '@llmgw/core';

/** Running sums of usage, from rollup totals and stream events alike (cost in nano-USD: exact sums). */
export interface Tally {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  /** Always 0: see addEvent. */
  cache_write_1h_tokens: number;
  nusd: number;
  estimated: number;
  latency_ms: number;
}

export const emptyTally = (): Tally => ({
  requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, nusd: 0, estimated: 0, latency_ms: 0,
});

/** Add what the rollups hold for a bucket or group (they do not split cache writes by TTL). */
export function addTotals(t: Tally, u: UsageTotals): void {
  t.requests += u.requests;
  t.errors += u.errors;
  t.prompt_tokens += u.prompt_tokens;
  t.completion_tokens += u.completion_tokens;
  t.cached_tokens += u.cached_tokens;
  t.cache_write_tokens += u.cache_write_tokens;
  t.nusd += Math.round(u.cost_usd * 1e9);
  t.estimated += u.estimated;
  t.latency_ms += u.total_latency_ms;
}

/** Add one stream event, counted as the data plane's rollup script counts it. */
export function addEvent(t: Tally, e: UsageEvent): void {
  t.requests++;
  if (e.status >= 400 || e.aborted) t.errors++;
  t.prompt_tokens += e.prompt_tokens;
  t.completion_tokens += e.completion_tokens;
  t.cached_tokens += e.cached_tokens;
  // Not its 1-hour part: the rollups do not keep it, and a range's edges alone would be a misleading part of it.
  t.cache_write_tokens += e.cache_write_tokens;
  t.nusd += nanoUsd(e.cost_usd);
  if (e.estimated) t.estimated++;
  t.latency_ms += e.latency_ms;
}

export function toRow(group: string, t: Tally): UsageRow {
  const { nusd, latency_ms, ...rest } = t;
  return { group, ...rest, cost_usd: nusd / 1e9, avg_latency_ms: t.requests ? Math.round(latency_ms / t.requests) : 0 };
}

/** Rows as `gwctl usage` orders them: by cost, then requests, then name (day rows by date). */
export function sortRows(rows: UsageRow[], byDay: boolean): UsageRow[] {
  const name = (a: UsageRow, b: UsageRow) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);
  return rows.sort(byDay ? name : (a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests || name(a, b));
}
