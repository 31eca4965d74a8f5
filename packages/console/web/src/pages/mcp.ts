/// <reference lib="dom" />
import { api } from '../api.js';
import { field, formValues, h, selectField, table } from '../dom.js';
import { errorLine } from './form-errors.js';
import { canEdit, type Page } from './page.js';

interface McpServer {
  name: string;
  url: string;
  transport: 'streamable-http' | 'sse';
  /** Literal values masked by the API; `env:VAR` as is. */
  headers: Record<string, string>;
  timeout_ms?: number;
  status: 'active' | 'disabled';
  description?: string;
}

interface McpTest {
  ok: boolean;
  message: string;
}

/** `Name: value` → [name, value], or null when there is no colon. */
function header(line: string): [string, string] | null {
  const i = line.indexOf(':');
  return i > 0 ? [line.slice(0, i).trim(), line.slice(i + 1).trim()] : null;
}

/** The upstream MCP servers the gateway aggregates (`gwctl mcp`): list, add, test, enable/disable, delete. */
export const mcpPage: Page = async (main, session) => {
  const render = async (notice?: McpTest) => {
    const { items } = await api<{ items: McpServer[] }>('GET', '/mcp');
    const err = errorLine();
    const act = (f: () => Promise<unknown>) => () => {
      err.clear();
      f().then((r) => render(r && typeof r === 'object' && 'ok' in r ? (r as McpTest) : undefined), err.show);
    };
    const path = (s: McpServer) => `/mcp/${encodeURIComponent(s.name)}`;
    const rows = items.map((s) => [
      s.name,
      s.transport,
      h('code', null, s.url),
      Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`).join(', ') || '(none)',
      s.timeout_ms === undefined ? 'default' : String(s.timeout_ms),
      h('span', { class: s.status === 'active' ? 'ok' : 'bad' }, s.status),
      s.description ?? '',
      canEdit(session)
        ? h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', 'aria-label': `Test ${s.name}`, onclick: act(() => api<McpTest>('POST', `${path(s)}/test`)) }, 'Test'),
            h('button', { type: 'button', onclick: act(() => api('PATCH', path(s), { status: s.status === 'active' ? 'disabled' : 'active' })) }, s.status === 'active' ? 'Disable' : 'Enable'),
            h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Delete MCP server ${s.name}?`) && act(() => api('DELETE', path(s)))() }, 'Delete'),
          )
        : '',
    ]);
    const form = h(
      'form',
      { class: 'panel', 'aria-label': 'New MCP server' },
      h(
        'div',
        { class: 'fields' },
        field('Name', 'name', { required: true, placeholder: 'github' }),
        field('URL', 'url', { required: true, placeholder: 'https://mcp.example.com/mcp' }),
        selectField('Transport', 'transport', ['streamable-http', 'sse'], 'streamable-http'),
        field('Header', 'header', { autocomplete: 'off', placeholder: 'Authorization: env:GITHUB_MCP_TOKEN' }),
        field('Timeout ms', 'timeout_ms', { type: 'number', min: '1' }),
        field('Description', 'description'),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Add MCP server'),
      err.el,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const hd = v.header ? header(v.header) : null;
      if (v.header && !hd) return err.show(new Error('Header: write it as "Name: value"'));
      const body = {
        name: v.name, url: v.url, transport: v.transport,
        ...(hd ? { headers: { [hd[0]]: hd[1] } } : {}),
        ...(v.timeout_ms ? { timeout_ms: Number(v.timeout_ms) } : {}),
        ...(v.description ? { description: v.description } : {}),
      };
      api('POST', '/mcp', body).then(() => render(), err.show);
    });
    main.replaceChildren(
      h('h2', null, 'MCP servers'),
      notice ? h('p', { class: notice.ok ? 'ok' : 'error', role: 'status' }, notice.message) : '',
      table('Upstream MCP servers (literal header values masked; tools are exposed as {name}__{tool})', ['name', 'transport', 'URL', 'headers', 'timeout ms', 'status', 'description', 'actions'], rows),
      canEdit(session) ? form : '',
    );
  };
  await render();
};
