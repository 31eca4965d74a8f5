import type { UsageRow } from '@llmgw/core';
import { ApiError } from '../api-error.js';
import { RangeQuery, RequestsQuery, SeriesQuery, UsageQuery } from '../api-schemas.js';
import { route, type Route } from '../route.js';

const tag = 'usage';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Longest range one request may ask for. */
const MAX_RANGE = 400 * DAY;

/** The range asked; by default the last 24 whole hours, the current one included (all in the rollups). */
function range(q: { from?: number | undefined; to?: number | undefined }, now: number): { from: number; to: number } {
  const to = q.to ?? Math.ceil((now + 1) / HOUR) * HOUR;
  const from = q.from ?? to - DAY;
  if (from >= to) throw new ApiError(400, 'from: must be before to', 'from');
  if (to - from > MAX_RANGE) throw new ApiError(400, 'from: the range is at most 400 days', 'from');
  return { from, to };
}

const CSV_COLUMNS = ['group', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'estimated', 'avg_latency_ms'] as const;

/** RFC 4180 CSV; a cell starting with = + - @ is prefixed with ' so a spreadsheet does not run it. */
function toCsv(rows: readonly UsageRow[]): string {
  const cell = (v: string | number) => {
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

export const usageRoutes: Route[] = [
  route({
    method: 'GET', path: '/api/v1/usage', role: 'viewer', tag, query: UsageQuery,
    summary: 'Usage grouped by key, model, provider or day over a range (format=csv for a CSV file)',
    handler: async (ctx) => {
      const report = await ctx.usage.report(range(ctx.query, ctx.now().getTime()), ctx.query.by);
      if (ctx.query.format === 'csv') {
        ctx.headers['content-type'] = 'text/csv; charset=utf-8';
        ctx.headers['content-disposition'] = `attachment; filename="usage-by-${ctx.query.by}.csv"`;
        return toCsv([...report.rows, report.total]);
      }
      return report;
    },
  }),
  route({
    method: 'GET', path: '/api/v1/usage/series', role: 'viewer', tag, query: SeriesQuery, summary: 'Requests, errors, tokens and spend per hour or day',
    handler: async (ctx) => ({ bucket: ctx.query.bucket, points: await ctx.usage.series(range(ctx.query, ctx.now().getTime()), ctx.query.bucket) }),
  }),
  route({
    method: 'GET', path: '/api/v1/overview', role: 'viewer', tag, query: RangeQuery,
    summary: 'Totals, a time series (hourly up to 3 days, else daily), top keys and models over a range',
    handler: async (ctx) => ({ ...(await ctx.usage.overview(range(ctx.query, ctx.now().getTime()))) }),
  }),
  route({
    method: 'GET', path: '/api/v1/requests', role: 'viewer', tag, query: RequestsQuery,
    summary: 'Recent requests, newest first (time, key, model, provider, status, latency, tokens, cost; never bodies)',
    handler: async (ctx) => ctx.usage.recent(ctx.query.limit, ctx.query.before),
  }),
];
