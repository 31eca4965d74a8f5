import { maskSecret, isSensitiveHeader } from './secrets.js';
import { maskHeaderValues } from './mcp-names.js';
import { ApiKeySchema, McpServerSchema, ModelSchema, ProviderSchema } from './schemas.js';
import type { EntityKind } from './redis-keys.js';

/** Field-by-field comparison and display of registry records, for export and diff. */

/** JSON with object keys sorted, so that two equal records compare equal whatever their key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** The record a schema makes of the required fields alone, without them: every default. */
function defaultsOf(schema: { parse(v: unknown): object }, required: Record<string, string>): Record<string, unknown> {
  const all = schema.parse(required) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(all).filter(([k]) => !(k in required) && k !== 'v'));
}

/** What every field of a record is when a write does not give it. */
const DEFAULTS: Record<EntityKind, Record<string, unknown>> = {
  provider: defaultsOf(ProviderSchema, { name: 'x', base_url: 'http://x' }),
  model: defaultsOf(ModelSchema, { name: 'x', alias_of: 'y' }),
  key: defaultsOf(ApiKeySchema, { name: 'x', id: 'key_x', hash: '0'.repeat(64), prefix: 'x' }),
  mcp: defaultsOf(McpServerSchema, { name: 'x', url: 'http://x' }),
};

/** What a field of a record is when a write leaves it out (undefined: unset). */
export function fieldDefault(kind: EntityKind, field: string): unknown {
  return DEFAULTS[kind][field];
}

/** The fields of a record that are set and differ from their default (a record's fields in schema order). */
export function withoutDefaults<T extends object>(kind: EntityKind, record: T): Partial<T> {
  const d = DEFAULTS[kind];
  return Object.fromEntries(Object.entries(record).filter(([k, v]) => v !== undefined && !(k in d && sameValue(v, d[k])))) as Partial<T>;
}

/** A field's value as diff output shows it: provider secrets and credential-like headers masked. */
function displayValue(kind: EntityKind, field: string, value: unknown): unknown {
  if ((kind !== 'provider' && kind !== 'mcp') || value === undefined) return value;
  if (kind === 'mcp' && field === 'headers' && value && typeof value === 'object') return maskHeaderValues(value as Record<string, string>);
  if (field === 'secrets' && Array.isArray(value)) return value.map((s) => maskSecret(String(s)));
  if (field === 'headers' && value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, string>).map(([k, v]) => [k, isSensitiveHeader(k) ? maskSecret(v) : v]));
  }
  return value;
}

/** One field that differs: `from` absent for an added field, `to` absent for a removed one (values as `displayValue` shows them). */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** The fields that differ between two records (either may be null), in the order of `to`'s fields then `from`'s. */
export function fieldChanges(kind: EntityKind, from: Record<string, unknown> | null, to: Record<string, unknown> | null): FieldChange[] {
  const names = [...new Set([...Object.keys(to ?? {}), ...Object.keys(from ?? {})])];
  const out: FieldChange[] = [];
  for (const field of names) {
    const a = from?.[field];
    const b = to?.[field];
    if (sameValue(a, b)) continue;
    out.push({ field, ...(a !== undefined ? { from: displayValue(kind, field, a) } : {}), ...(b !== undefined ? { to: displayValue(kind, field, b) } : {}) });
  }
  return out;
}
