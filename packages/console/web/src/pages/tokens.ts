/// <reference lib="dom" />
import { api } from '../api.js';
import { field, formValues, h, selectField, table } from '../dom.js';
import { errorLine } from './form-errors.js';
import type { Page } from './page.js';

interface Token {
  name: string;
  role: string;
  prefix: string;
  created_at: string;
  created_by: string;
}

/** Admin tokens (admins only): create one (shown once), delete one. */
export const tokensPage: Page = async (main, session) => {
  const render = async (notice?: HTMLElement) => {
    const { items } = await api<{ items: Token[] }>('GET', '/tokens');
    const err = errorLine();
    const rows = items.map((t) => [
      t.name,
      t.role,
      h('code', null, `${t.prefix}…`),
      t.created_at,
      t.created_by,
      t.name === session.name
        ? h('span', { class: 'muted' }, '(yours)')
        : h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Delete admin token ${t.name}? Its sessions end at once.`) && api('DELETE', `/tokens/${encodeURIComponent(t.name)}`).then(() => render(), err.show) }, 'Delete'),
    ]);
    const form = h(
      'form',
      { class: 'panel', 'aria-label': 'New admin token' },
      h('div', { class: 'fields' }, field('Token name', 'name', { required: true }), selectField('Role', 'role', ['viewer', 'editor', 'admin'], 'viewer')),
      h('button', { type: 'submit', class: 'primary' }, 'Create token'),
      err.el,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      api<{ token: string; item: Token }>('POST', '/tokens', formValues(form)).then(
        (r) => render(h('div', { class: 'panel', role: 'status' }, h('p', null, `Admin token ${r.item.name} (${r.item.role}): copy it now, it is shown only this once.`), h('p', { class: 'secret', 'aria-label': 'Raw token' }, r.token))),
        err.show,
      );
    });
    main.replaceChildren(h('h2', null, 'Tokens'), notice ?? '', table('Admin tokens of the console and its API (never the tokens)', ['name', 'role', 'prefix', 'created', 'created by', 'actions'], rows), form);
  };
  await render();
};
