/// <reference lib="dom" />
import { api, qs } from '../api.js';
import { fmtInt, fmtTime, fmtUsd, h, table } from '../dom.js';
import type { Page } from './page.js';

interface RequestLine {
  id: string;
  ts: number;
  key_name: string;
  key_id: string;
  model: string;
  provider: string;
  status: number;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  error: string;
}

export const logsPage: Page = async (main) => {
  const load = async (before?: string) => {
    const r = await api<{ items: RequestLine[]; next: string | null }>('GET', `/requests${qs({ limit: 100, before })}`);
    const rows = r.items.map((e) => [
      fmtTime(e.ts),
      e.key_name || e.key_id,
      e.model,
      e.provider || '(none)',
      h('span', { class: e.status >= 400 ? 'bad' : 'ok' }, String(e.status)),
      fmtInt(e.latency_ms),
      `${fmtInt(e.prompt_tokens)} / ${fmtInt(e.completion_tokens)}`,
      fmtUsd(e.cost_usd),
      e.error,
    ]);
    const older = r.next ? h('button', { type: 'button', onclick: () => void load(r.next!) }, 'Older') : '';
    main.replaceChildren(
      h('h2', null, 'Logs'),
      h('p', { class: 'muted' }, 'Recent requests, newest first. Bodies are never recorded.'),
      table('Recent requests', ['time (UTC)', 'key', 'model', 'provider', 'status', 'latency ms', 'tokens in / out', 'cost', 'error'], rows, ['latency ms', 'cost']),
      h('div', { class: 'actions' }, before ? h('button', { type: 'button', onclick: () => void load() }, 'Newest') : '', older),
    );
  };
  await load();
};
