/// <reference lib="dom" />
import { api, ApiFailure, setCsrf, whenSignedOut } from './api.js';
import { h } from './dom.js';
import { auditPage } from './pages/audit.js';
import { keysPage } from './pages/keys.js';
import { logsPage } from './pages/logs.js';
import { mcpPage } from './pages/mcp.js';
import { modelsPage } from './pages/models.js';
import { overviewPage } from './pages/overview.js';
import { providersPage } from './pages/providers.js';
import { tokensPage } from './pages/tokens.js';
import { usagePage } from './pages/usage.js';
import type { Page, Session } from './pages/page.js';

/** The pages, in navigation order; each link's text is its accessible name. */
const PAGES: ReadonlyArray<{ path: string; name: string; page: Page }> = [
  { path: '/', name: 'Overview', page: overviewPage },
  { path: '/keys', name: 'Keys', page: keysPage },
  { path: '/providers', name: 'Providers', page: providersPage },
  { path: '/models', name: 'Models', page: modelsPage },
  { path: '/usage', name: 'Usage', page: usagePage },
  { path: '/logs', name: 'Logs', page: logsPage },
  { path: '/mcp', name: 'MCP', page: mcpPage },
  { path: '/audit', name: 'Audit', page: auditPage },
];
/** Shown to admins only: the API refuses the others anyway. */
const ADMIN_PAGES: ReadonlyArray<{ path: string; name: string; page: Page }> = [{ path: '/tokens', name: 'Tokens', page: tokensPage }];

const app = document.getElementById('app')!;

function signIn(message?: string): void {
  setCsrf(null);
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    { class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in to the llmgw console'),
    h('p', { class: 'muted' }, 'Use an admin token (gwctl admin token add NAME --role viewer|editor|admin).'),
    h('label', null, 'Admin token', h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true })),
    h('p', null, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
    api<Session>('POST', '/session', { token })
      .then((s) => start(s))
      .catch((e: unknown) => (error.textContent = e instanceof ApiFailure && e.status === 401 ? 'That admin token is not known.' : String((e as Error).message)));
  });
  app.replaceChildren(form);
  (form.elements.namedItem('token') as HTMLInputElement).focus();
}

function start(session: Session): void {
  setCsrf(session.csrf);
  const main = h('main', { id: 'main' });
  const pages = session.role === 'admin' ? [...PAGES, ...ADMIN_PAGES] : PAGES;
  const links = pages.map((p) => h('a', { href: p.path, 'data-path': p.path }, p.name));
  const signOut = h('button', { type: 'button' }, 'Sign out');
  signOut.addEventListener('click', () => {
    void api('DELETE', '/session').finally(() => {
      history.pushState(null, '', '/');
      signIn('Signed out.');
    });
  });
  const header = h(
    'header',
    null,
    h('h1', null, 'llmgw console'),
    h('nav', { 'aria-label': 'Main' }, h('ul', null, links.map((a) => h('li', null, a)))),
    h('div', { class: 'who' }, h('span', null, `${session.name} (${session.role})`), signOut),
  );
  app.replaceChildren(header, main);
  const show = () => {
    const current = pages.find((p) => p.path === location.pathname) ?? pages[0]!;
    for (const a of links) a.toggleAttribute('aria-current', false);
    links[pages.indexOf(current)]!.setAttribute('aria-current', 'page');
    document.title = `${current.name} · llmgw console`;
    main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    current.page(main, session).catch((e: unknown) => main.replaceChildren(h('p', { class: 'error', role: 'alert' }, (e as Error).message)));
  };
  for (const a of links) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      history.pushState(null, '', a.getAttribute('href'));
      show();
    });
  }
  window.onpopstate = show;
  show();
}

whenSignedOut(() => signIn('Your session ended; sign in again.'));
api<Session>('GET', '/session').then(start, () => signIn());
