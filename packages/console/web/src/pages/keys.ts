/// <reference lib="dom" />
import { api } from '../api.js';
import { field, fmtTime, formValues, h, table } from '../dom.js';
import { errorLine, list, numOrNull } from './form-errors.js';
import { canEdit, type Page, type Session } from './page.js';

interface Key {
  id: string;
  name: string;
  prefix: string;
  status: 'active' | 'disabled';
  models: string[];
  providers: string[];
  rpm?: number;
  tpm?: number;
  max_concurrency?: number;
  budget_daily?: number;
  budget_monthly?: number;
  expires_at?: string;
  created_at?: string;
}

/** The raw key, shown once after create or rotate. */
function shownOnce(name: string, raw: string): HTMLElement {
  return h(
    'div',
    { class: 'panel', role: 'status', 'aria-label': 'New key' },
    h('p', null, `Key ${name}: copy it now, it is shown only this once (only its SHA-256 is stored).`),
    h('p', { class: 'secret', 'aria-label': 'Raw key' }, raw),
  );
}

/** Limits and allow-lists, shared by the new-key and edit forms. */
function settingsFields(k?: Key): HTMLElement[] {
  return [
    field('Allowed models', 'models', { value: (k?.models ?? ['*']).join(', '), placeholder: '* or gpt-4o*, claude-*' }),
    field('Allowed providers', 'providers', { value: (k?.providers ?? []).join(', '), placeholder: 'all' }),
    field('Requests per minute', 'rpm', { type: 'number', min: 1, value: k?.rpm ?? '' }),
    field('Tokens per minute', 'tpm', { type: 'number', min: 1, value: k?.tpm ?? '' }),
    field('Max concurrency', 'max_concurrency', { type: 'number', min: 1, value: k?.max_concurrency ?? '' }),
    field('Daily budget (USD)', 'budget_daily', { type: 'number', min: 0, step: 'any', value: k?.budget_daily ?? '' }),
    field('Monthly budget (USD)', 'budget_monthly', { type: 'number', min: 0, step: 'any', value: k?.budget_monthly ?? '' }),
  ];
}

function settingsBody(v: Record<string, string>): Record<string, unknown> {
  return {
    models: list(v.models) ?? ['*'],
    providers: list(v.providers) ?? [],
    rpm: numOrNull(v.rpm),
    tpm: numOrNull(v.tpm),
    max_concurrency: numOrNull(v.max_concurrency),
    budget_daily: numOrNull(v.budget_daily),
    budget_monthly: numOrNull(v.budget_monthly),
  };
}

function limits(k: Key): string {
  const parts = [k.rpm && `${k.rpm} rpm`, k.tpm && `${k.tpm} tpm`, k.max_concurrency && `${k.max_concurrency} at once`, k.budget_daily !== undefined && `$${k.budget_daily}/day`, k.budget_monthly !== undefined && `$${k.budget_monthly}/month`];
  return parts.filter(Boolean).join(', ') || 'none';
}

export const keysPage: Page = async (main, session) => {
  const render = async (notice?: HTMLElement) => {
    const { items } = await api<{ items: Key[] }>('GET', '/keys');
    const slot = h('div');
    const err = errorLine();
    const act = (f: () => Promise<unknown>) => () => {
      err.clear();
      f().then(() => render(), err.show);
    };
    const rows = items
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((k) => [
        k.name,
        h('code', null, `${k.prefix}…`),
        h('span', { class: k.status === 'active' ? 'ok' : 'bad' }, k.status),
        k.models.join(', '),
        limits(k),
        k.created_at ? fmtTime(Date.parse(k.created_at)) : '',
        canEdit(session)
          ? h(
              'div',
              { class: 'actions' },
              h('button', { type: 'button', onclick: () => slot.replaceChildren(editForm(k, session, render)) }, 'Edit'),
              k.status === 'active'
                ? h('button', { type: 'button', onclick: act(() => api('POST', `/keys/${encodeURIComponent(k.id)}/disable`)) }, 'Disable')
                : h('button', { type: 'button', onclick: act(() => api('POST', `/keys/${encodeURIComponent(k.id)}/enable`)) }, 'Enable'),
              h('button', {
                type: 'button',
                onclick: () => {
                  if (!confirm(`Rotate key ${k.name}? The current secret stops working at once.`)) return;
                  api<{ key: string }>('POST', `/keys/${encodeURIComponent(k.id)}/rotate`).then((r) => render(shownOnce(k.name, r.key)), err.show);
                },
              }, 'Rotate'),
              h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Delete key ${k.name}?`) && act(() => api('DELETE', `/keys/${encodeURIComponent(k.id)}`))() }, 'Delete'),
            )
          : '',
      ]);
    const newKey = h('button', { type: 'button', class: 'primary', onclick: () => slot.replaceChildren(createForm(render)) }, 'New key');
    main.replaceChildren(
      h('h2', null, 'Keys'),
      canEdit(session) ? h('div', { class: 'actions' }, newKey) : '',
      notice ?? '',
      slot,
      err.el,
      table('Gateway keys (never the raw keys)', ['name', 'prefix', 'status', 'models', 'limits', 'created', 'actions'], rows),
    );
  };
  await render();
};

function createForm(render: (notice?: HTMLElement) => Promise<void>): HTMLFormElement {
  const err = errorLine();
  const form: HTMLFormElement = h(
    'form',
    { class: 'panel', 'aria-label': 'New key' },
    h('div', { class: 'fields' }, field('Name', 'name', { required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}' }), settingsFields()),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create'), h('button', { type: 'button', onclick: (): void => form.remove() }, 'Cancel')),
    err.el,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = Object.fromEntries(Object.entries({ name: v.name, ...settingsBody(v) }).filter(([, x]) => x !== null));
    api<{ key: string; item: Key }>('POST', '/keys', body).then((r) => render(shownOnce(r.item.name, r.key)), err.show);
  });
  return form;
}

function editForm(k: Key, _s: Session, render: () => Promise<void>): HTMLFormElement {
  const err = errorLine();
  const form: HTMLFormElement = h(
    'form',
    { class: 'panel', 'aria-label': `Edit key ${k.name}` },
    h('div', { class: 'fields' }, settingsFields(k)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: (): void => form.remove() }, 'Cancel')),
    err.el,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    api('PATCH', `/keys/${encodeURIComponent(k.id)}`, settingsBody(formValues(form))).then(() => render(), err.show);
  });
  return form;
}
