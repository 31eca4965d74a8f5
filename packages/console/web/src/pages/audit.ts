/// <reference lib="dom" />
import { api, qs } from '../api.js';
import { fmtTime, h, table } from '../dom.js';
import type { Page } from './page.js';

interface AuditEntry {
  id: string;
  ts: number;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

const json = (v: unknown) => (v === null ? '—' : h('pre', null, JSON.stringify(v, null, 1)));

export const auditPage: Page = async (main) => {
  const actor = h('input', { name: 'actor', placeholder: 'token:NAME or gwctl@…' });
  const action = h('input', { name: 'action', placeholder: 'key. or provider.update' });
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter the audit log' }, h('label', null, 'Who', actor), h('label', null, 'What', action), h('button', { type: 'submit' }, 'Filter'));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  const load = async (before?: string) => {
    const { items } = await api<{ items: AuditEntry[] }>('GET', `/audit${qs({ limit: 100, before, actor: actor.value.trim(), action: action.value.trim() })}`);
    const rows = items.map((e) => [
      fmtTime(e.ts),
      e.actor,
      e.action,
      e.target,
      h('details', null, h('summary', null, 'before / after'), h('div', null, h('strong', null, 'before'), json(e.before), h('strong', null, 'after'), json(e.after))),
    ]);
    const last = items[items.length - 1];
    main.replaceChildren(
      h('h2', null, 'Audit'),
      h('p', { class: 'muted' }, 'Every change to providers, models, keys and admin tokens, from gwctl and the console. Secrets are masked.'),
      filters,
      table('Audit log, newest first', ['when (UTC)', 'who', 'what', 'target', 'change'], rows),
      h('div', { class: 'actions' }, before ? h('button', { type: 'button', onclick: () => void load() }, 'Newest') : '', items.length === 100 && last ? h('button', { type: 'button', onclick: () => void load(last.id) }, 'Older') : ''),
    );
  };
  await load();
};
