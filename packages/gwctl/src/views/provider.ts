import { maskSecret, type Provider } from '@llmgw/core';

// Extra headers may carry credentials too (api-key, Authorization, cookies).
const SENSITIVE_HEADER = /auth|key|token|secret|cookie|passw/i;

/** A provider as shown to people and to --json: every secret masked. */
export function toProviderView(p: Provider): Provider {
  const headers = Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, SENSITIVE_HEADER.test(k) ? maskSecret(v) : v]));
  return { ...p, secrets: p.secrets.map(maskSecret), headers };
}

export const PROVIDER_LIST_HEAD = ['name', 'type', 'base_url', 'secrets', 'models', 'weight', 'priority', 'status'];

export function toProviderRow(p: Provider): Array<string | number> {
  return [p.name, p.type, p.base_url, p.secrets.length, summarize(p.models), p.weight, p.priority, p.status];
}

export const PROVIDER_WIDE_HEAD = ['name', 'type', 'base_url', 'auth', 'secrets', 'models', 'weight', 'priority', 'timeout_ms', 'status', 'created'];

/** `-o wide`, from a masked view: the auth rule, the masked secrets, every model. */
export function toProviderWideRow(v: Provider): Array<string | number> {
  return [
    v.name,
    v.type,
    v.base_url,
    v.auth_type === 'header' ? `header ${v.auth_header}` : v.auth_type,
    v.secrets.join(', ') || '-',
    v.models.join(', ') || '-',
    v.weight,
    v.priority,
    v.timeout_ms,
    v.status,
    v.created_at ?? '-',
  ];
}

/** A short list for a table cell: the first few items and a count of the rest. */
export function summarize(items: readonly string[], max = 3): string {
  if (items.length === 0) return '-';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (+${items.length - max})` : shown;
}

/** `bearer`, `none`, `header api-key` or `header Authorization "Token "`. */
function authText(v: Provider): string {
  if (v.auth_type !== 'header') return v.auth_type;
  return v.auth_prefix === undefined ? `header ${v.auth_header}` : `header ${v.auth_header} ${JSON.stringify(v.auth_prefix)}`;
}

/** Field → value pairs of `provider show` (from a masked view). */
export function toProviderFields(v: Provider): Array<[string, string | number]> {
  return [
    ['name', v.name],
    ['type', v.type],
    ['base_url', v.base_url],
    ['auth', authText(v)],
    ['secrets', v.secrets.length ? v.secrets.map((s, i) => `#${i + 1} ${s}`).join('\n') : '-'],
    ['models', v.models.length ? v.models.join('\n') : '-'],
    ['weight', v.weight],
    ['priority', v.priority],
    ['timeout_ms', v.timeout_ms],
    ['connect_timeout_ms', v.connect_timeout_ms ?? '-'],
    ['first_byte_timeout_ms', v.first_byte_timeout_ms ?? '-'],
    ['idle_timeout_ms', v.idle_timeout_ms ?? '-'],
    ['headers', Object.keys(v.headers).length ? Object.entries(v.headers).map(([k, x]) => `${k}: ${x}`).join('\n') : '-'],
    ['status', v.status],
    ['created_at', v.created_at ?? '-'],
    ['updated_at', v.updated_at ?? '-'],
  ];
}
