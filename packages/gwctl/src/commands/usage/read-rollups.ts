import { readUsageSeries, type RedisClient, type UsageGroup, type UsageRow, type UsageTotals } from '@llmgw/core';

const row = (group: string, t: UsageTotals): UsageRow => ({
  group,
  requests: t.requests,
  errors: t.errors,
  prompt_tokens: t.prompt_tokens,
  completion_tokens: t.completion_tokens,
  cached_tokens: t.cached_tokens,
  cache_write_tokens: t.cache_write_tokens,
  // The rollups do not split cache writes by TTL (the cost of both is in cost_usd).
  cache_write_1h_tokens: 0,
  cost_usd: Math.round(t.cost_usd * 1e9) / 1e9,
  estimated: t.estimated,
  avg_latency_ms: t.avg_latency_ms,
});

/**
 * The usage report's rows from the hourly rollups (core's readUsageSeries) instead of the
 * stream: complete where the stream was trimmed, fast over any range, whole hours only
 * (`since` rounded down, `until` up), model requests only (MCP tool calls are not in the
 * rollups). Key rows are named `name (id)` from `keyNames`.
 */
export async function usageFromRollups(
  redis: RedisClient,
  o: { by: UsageGroup; since: number; until: number; keyId?: string; keyNames: Map<string, string> },
): Promise<{ rows: UsageRow[]; total: UsageRow; since: number; until: number }> {
  const day = o.by === 'day';
  const s = await readUsageSeries(redis, {
    from: o.since,
    to: o.until,
    granularity: day ? 'day' : 'hour',
    // One key's rollups are not split by model or provider: refused by readUsageSeries, with the field.
    by: o.by === 'day' ? 'total' : o.by,
    key: o.keyId,
    top: Number.MAX_SAFE_INTEGER,
  });
  const name = (id: string) => (o.keyNames.has(id) ? `${o.keyNames.get(id)} (${id})` : id);
  const rows = day
    ? s.buckets.filter((b) => b.requests > 0).map((b) => row(new Date(b.start).toISOString().slice(0, 10), b))
    : s.groups.map((g) => row(o.by === 'key' ? name(g.group) : o.by === 'provider' ? g.group || '(none)' : g.group, g));
  return { rows, total: row('total', s.total), since: s.from, until: s.to };
}
