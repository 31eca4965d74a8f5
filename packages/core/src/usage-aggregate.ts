import type { UsageEvent } from './usage.js';

export const USAGE_GROUPS = ['key', 'model', 'provider', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** Totals of one group of usage events. */
export interface UsageRow {
  group: string;
  requests: number;
  /** Requests that ended with a status ≥ 400 or a client abort. */
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  /** Prompt tokens written to the provider's cache (Anthropic), of any TTL, and the 1-hour part of them. */
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  cost_usd: number;
  /** Requests whose tokens the gateway estimated (no usage from the upstream). */
  estimated: number;
  avg_latency_ms: number;
}

function groupOf(e: UsageEvent, by: UsageGroup): string {
  if (by === 'key') return e.key_name ? `${e.key_name} (${e.key_id})` : e.key_id;
  if (by === 'model') return e.model;
  if (by === 'provider') return e.provider || '(none)';
  return new Date(e.ts).toISOString().slice(0, 10);
}

/** Group events; rows by cost (day rows by date), plus the grand total. */
export function aggregateUsage(events: Iterable<UsageEvent>, by: UsageGroup): { rows: UsageRow[]; total: UsageRow } {
  const map = new Map<string, UsageRow & { latency: number }>();
  const blank = (group: string) => ({ group, requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, cost_usd: 0, estimated: 0, avg_latency_ms: 0, latency: 0 });
  const total = blank('total');
  for (const e of events) {
    const g = groupOf(e, by);
    let row = map.get(g);
    if (!row) map.set(g, (row = blank(g)));
    for (const r of [row, total]) {
      r.requests++;
      if (e.status >= 400 || e.aborted) r.errors++;
      r.prompt_tokens += e.prompt_tokens;
      r.completion_tokens += e.completion_tokens;
      r.cached_tokens += e.cached_tokens;
      r.cache_write_tokens += e.cache_write_tokens;
      r.cache_write_1h_tokens += e.cache_write_1h_tokens;
      r.cost_usd += e.cost_usd;
      if (e.estimated) r.estimated++;
      r.latency += e.latency_ms;
    }
  }
  const finish = ({ latency, ...r }: UsageRow & { latency: number }): UsageRow => ({
    ...r,
    cost_usd: Math.round(r.cost_usd * 1e9) / 1e9,
    avg_latency_ms: r.requests ? Math.round(latency / r.requests) : 0,
  });
  const rows = [...map.values()].map(finish);
  rows.sort(by === 'day' ? (a, b) => a.group.localeCompare(b.group) : (a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests || a.group.localeCompare(b.group));
  return { rows, total: finish(total) };
}
