/// <reference lib="dom" />
import { api } from '../api.js';
import { field, formValues, h, selectField, table } from '../dom.js';
import { errorLine, list } from './form-errors.js';
import { canEdit, type Page } from './page.js';

interface Provider {
  name: string;
  type: string;
  base_url: string;
  auth_type: string;
  secrets: string[];
  models: string[];
  weight: number;
  priority: number;
  status: 'active' | 'disabled';
}

interface Health {
  provider: string;
  health: { state: string; fails: number; cooldown_until: string | null; last_reason: string | null };
  problems: string[];
}

const TYPES = ['openai', 'anthropic', 'azure', 'gemini'];

export const providersPage: Page = async (main, session) => {
  const render = async (notice?: string) => {
    const [{ items }, health] = await Promise.all([api<{ items: Provider[] }>('GET', '/providers'), api<{ items: Health[] }>('GET', '/providers/health')]);
    const byName = new Map(health.items.map((x) => [x.provider, x]));
    const err = errorLine();
    const slot = h('div');
    const act = (f: () => Promise<unknown>) => () => {
      err.clear();
      f().then(() => render(), err.show);
    };
    const rows = items.map((p) => {
      const hl = byName.get(p.name);
      return [
        p.name,
        p.type,
        h('code', null, p.base_url),
        p.secrets.join(', ') || '(none)',
        h('span', { class: p.status === 'active' ? 'ok' : 'bad' }, p.status),
        h('span', { class: hl?.health.state === 'ok' ? 'ok' : 'bad' }, hl?.health.state ?? 'ok'),
        [hl?.health.last_reason ?? '', ...(hl?.problems ?? [])].filter(Boolean).join('; '),
        canEdit(session)
          ? h(
              'div',
              { class: 'actions' },
              h('button', { type: 'button', onclick: act(() => api('PATCH', `/providers/${encodeURIComponent(p.name)}`, { status: p.status === 'active' ? 'disabled' : 'active' })) }, p.status === 'active' ? 'Disable' : 'Enable'),
              h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Delete provider ${p.name}?`) && act(() => api('DELETE', `/providers/${encodeURIComponent(p.name)}`))() }, 'Delete'),
            )
          : '',
      ];
    });
    const form = h(
      'form',
      { class: 'panel', 'aria-label': 'New provider' },
      h(
        'div',
        { class: 'fields' },
        field('Name', 'name', { required: true }),
        selectField('Type', 'type', TYPES, 'openai'),
        field('Base URL', 'base_url', { required: true, placeholder: 'https://api.openai.com/v1' }),
        field('API key', 'secret', { type: 'password', autocomplete: 'off', placeholder: 'literal or env:NAME' }),
        field('Models', 'models', { placeholder: 'gpt-4o-mini, gpt-4o' }),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Add provider'),
      err.el,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { name: v.name, type: v.type, base_url: v.base_url, ...(v.secret ? { secrets: [v.secret] } : {}), ...(v.models ? { models: list(v.models) } : {}) };
      api<{ warnings: string[] }>('POST', '/providers', body).then((r) => render(r.warnings.join(' ') || undefined), err.show);
    });
    main.replaceChildren(
      h('h2', null, 'Providers'),
      notice ? h('p', { class: 'warn', role: 'status' }, notice) : '',
      table('Upstream providers (secrets masked) and the health the gateways share', ['name', 'type', 'base URL', 'secrets', 'status', 'health', 'last error', 'actions'], rows),
      canEdit(session) ? form : '',
      slot,
    );
  };
  await render();
};
