/// <reference lib="dom" />
import { api, qs } from '../api.js';
import { lineChart } from '../chart.js';
import { fmtInt, fmtUsd, h, table } from '../dom.js';
import type { Page } from './page.js';
import type { UsageRowJson } from './usage.js';

interface Overview {
  total: UsageRowJson;
  bucket: 'hour' | 'day';
  series: Array<{ t: number; requests: number; errors: number; tokens: number; cost_usd: number }>;
  top_keys: UsageRowJson[];
  top_models: UsageRowJson[];
}

interface Health {
  provider: string;
  status: string;
  health: { state: string; fails: number; cooldown_until: string | null; last_reason: string | null };
  problems: string[];
}

const RANGES = { '24 hours': 86_400_000, '7 days': 7 * 86_400_000, '30 days': 30 * 86_400_000 } as const;

const card = (label: string, value: string) => h('div', { class: 'card' }, h('div', { class: 'muted' }, label), h('div', { class: 'value' }, value));

export const overviewPage: Page = async (main) => {
  const select = h('select', { name: 'range' }, Object.keys(RANGES).map((r) => h('option', { value: r }, r)));
  const body = h('div');
  const load = async () => {
    const span = RANGES[select.value as keyof typeof RANGES];
    // Whole buckets (hours up to 3 days, else UTC days), the current one included: the console
    // answers those from the rollups alone, without reading the usage stream.
    const size = span <= 3 * 86_400_000 ? 3_600_000 : 86_400_000;
    const to = Math.ceil((Date.now() + 1) / size) * size;
    const [o, health] = await Promise.all([api<Overview>('GET', `/overview${qs({ from: to - span, to })}`), api<{ items: Health[] }>('GET', '/providers/health')]);
    const times = o.series.map((p) => p.t);
    body.replaceChildren(
      h(
        'div',
        { class: 'cards' },
        card('Requests', fmtInt(o.total.requests)),
        card('Errors', fmtInt(o.total.errors)),
        card('Tokens', fmtInt(o.total.prompt_tokens + o.total.completion_tokens)),
        card('Spend', fmtUsd(o.total.cost_usd)),
        card('Avg latency', `${fmtInt(o.total.avg_latency_ms)} ms`),
      ),
      h(
        'div',
        { class: 'charts' },
        lineChart('Requests and errors', times, [{ name: 'requests', values: o.series.map((p) => p.requests) }, { name: 'errors', values: o.series.map((p) => p.errors) }], o.bucket),
        lineChart('Tokens', times, [{ name: 'tokens', values: o.series.map((p) => p.tokens) }], o.bucket),
        lineChart('Spend (USD)', times, [{ name: 'spend', values: o.series.map((p) => p.cost_usd) }], o.bucket, (v) => fmtUsd(v)),
      ),
      h('h3', null, 'Top keys'),
      table('Top keys by spend', ['key', 'requests', 'errors', 'tokens', 'spend'], o.top_keys.map((r) => [r.group, fmtInt(r.requests), fmtInt(r.errors), fmtInt(r.prompt_tokens + r.completion_tokens), fmtUsd(r.cost_usd)]), ['requests', 'errors', 'tokens', 'spend']),
      h('h3', null, 'Top models'),
      table('Top models by spend', ['model', 'requests', 'errors', 'tokens', 'spend'], o.top_models.map((r) => [r.group, fmtInt(r.requests), fmtInt(r.errors), fmtInt(r.prompt_tokens + r.completion_tokens), fmtUsd(r.cost_usd)]), ['requests', 'errors', 'tokens', 'spend']),
      h('h3', null, 'Provider health'),
      table(
        'Provider health shared by the gateways',
        ['provider', 'status', 'state', 'failures', 'cooling until', 'last error', 'problems'],
        health.items.map((p) => [p.provider, p.status, h('span', { class: p.health.state === 'ok' ? 'ok' : 'bad' }, p.health.state), p.health.fails, p.health.cooldown_until ?? '', p.health.last_reason ?? '', p.problems.join('; ')]),
      ),
    );
  };
  select.addEventListener('change', () => void load());
  main.replaceChildren(h('h2', null, 'Overview'), h('div', { class: 'filters' }, h('label', null, 'Range', select)), body);
  await load();
};
