import type { Model, ModelTarget } from '@llmgw/core';

/** `provider→upstream (w1,p0)`. */
export function formatTarget(t: ModelTarget): string {
  return `${t.provider}→${t.model} (w${t.weight},p${t.priority})`;
}

export const MODEL_LIST_HEAD = ['name', 'policy', 'targets', 'alias_of'];

export function toModelRow(m: Model): string[] {
  return [m.name, m.alias_of ? '-' : m.policy, m.targets.map(formatTarget).join('\n') || '-', m.alias_of ?? '-'];
}

export const MODEL_WIDE_HEAD = ['name', 'policy', 'targets', 'alias_of', 'price_input', 'price_output', 'first_byte_timeout_ms', 'idle_timeout_ms', 'created'];

/** `-o wide`: prices (USD per million tokens) and the model's own timeouts too. */
export function toModelWideRow(m: Model): Array<string | number> {
  return [
    ...toModelRow(m),
    m.price_input ?? '-',
    m.price_output ?? '-',
    m.first_byte_timeout_ms ?? '-',
    m.idle_timeout_ms ?? '-',
    m.created_at ?? '-',
  ];
}

export function toModelFields(m: Model): Array<[string, string | number]> {
  const price = (v?: number) => (v === undefined ? '-' : `$${v}/Mtok`);
  return [
    ['name', m.name],
    ...(m.alias_of ? ([['alias_of', m.alias_of]] as Array<[string, string]>) : []),
    ['policy', m.policy],
    ['targets', m.targets.map(formatTarget).join('\n') || '-'],
    ['price_input', price(m.price_input)],
    ['price_output', price(m.price_output)],
    ['price_cached_input', price(m.price_cached_input)],
    ['price_cache_write', price(m.price_cache_write)],
    ['price_cache_write_1h', price(m.price_cache_write_1h)],
    ['reserve_output_tokens', m.reserve_output_tokens ?? '-'],
    ['first_byte_timeout_ms', m.first_byte_timeout_ms ?? '-'],
    ['idle_timeout_ms', m.idle_timeout_ms ?? '-'],
    ['owned_by', m.owned_by ?? '-'],
    ['created_at', m.created_at ?? '-'],
    ['updated_at', m.updated_at ?? '-'],
  ];
}
