/// <reference lib="dom" />
import { api, qs } from '../api.js';
import { lineChart } from '../chart.js';
import { fmtInt, fmtUsd, h, table } from '../dom.js';
import type { Page } from './page.js';

/** A usage row as the API returns it (core's UsageRow). */
export interface UsageRowJson {
  group: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  /** Prompt tokens written to the provider's prompt cache. */
  cache_write_tokens: number;
  cost_usd: number;
  avg_latency_ms: number;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export const usagePage: Page = async (main) => {
  const now = new Date();
  const from = h('input', { type: 'date', name: 'from', value: day(new Date(now.getTime() - 6 * 86_400_000)) });
  const to = h('input', { type: 'date', name: 'to', value: day(now) });
  const by = h('select', { name: 'by' }, ['model', 'key', 'provider', 'day'].map((g) => h('option', { value: g }, g)));
  const csv = h('a', { class: 'button', download: 'usage.csv' }, 'Download CSV');
  const body = h('div');
  const load = async () => {
    // The "to" day is included: the range ends at the start of the next day.
    const range = { from: Date.parse(`${from.value}T00:00:00Z`), to: Date.parse(`${to.value}T00:00:00Z`) + 86_400_000 };
    csv.setAttribute('href', `/api/v1/usage${qs({ ...range, by: by.value, format: 'csv' })}`);
    const [report, series] = await Promise.all([
      api<{ rows: UsageRowJson[]; total: UsageRowJson }>('GET', `/usage${qs({ ...range, by: by.value })}`),
      api<{ bucket: 'hour' | 'day'; points: Array<{ t: number; requests: number; cost_usd: number; tokens: number }> }>('GET', `/usage/series${qs({ ...range, bucket: range.to - range.from <= 3 * 86_400_000 ? 'hour' : 'day' })}`),
    ]);
    const head = [by.value, 'requests', 'errors', 'prompt tokens', 'completion tokens', 'cached tokens', 'cache write tokens', 'spend', 'avg latency ms'];
    const row = (r: UsageRowJson) => [r.group, fmtInt(r.requests), fmtInt(r.errors), fmtInt(r.prompt_tokens), fmtInt(r.completion_tokens), fmtInt(r.cached_tokens), fmtInt(r.cache_write_tokens), fmtUsd(r.cost_usd), fmtInt(r.avg_latency_ms)];
    const times = series.points.map((p) => p.t);
    body.replaceChildren(
      h(
        'div',
        { class: 'charts' },
        lineChart('Usage: requests', times, [{ name: 'requests', values: series.points.map((p) => p.requests) }], series.bucket),
        lineChart('Usage: spend (USD)', times, [{ name: 'spend', values: series.points.map((p) => p.cost_usd) }], series.bucket, (v) => fmtUsd(v)),
      ),
      table(`Usage by ${by.value}`, head, [...report.rows.map(row), row(report.total)], head.slice(1)),
    );
  };
  const refresh = () => void load().catch((e: unknown) => body.replaceChildren(h('p', { class: 'error', role: 'alert' }, (e as Error).message)));
  for (const el of [from, to, by]) el.addEventListener('change', refresh);
  main.replaceChildren(
    h('h2', null, 'Usage'),
    h('div', { class: 'filters' }, h('label', null, 'From', from), h('label', null, 'To', to), h('label', null, 'Group by', by), csv),
    body,
  );
  await load();
};
