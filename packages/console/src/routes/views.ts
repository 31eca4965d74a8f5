import { maskSecret, type ApiKey, type Provider, type Registry } from '@llmgw/core';
import { ApiError } from '../api-error.js';

/** A key as the API shows it: everything but its hash (the raw key is never stored). */
export function keyView(k: ApiKey): Omit<ApiKey, 'hash'> {
  const { hash: _hash, ...view } = k;
  return view;
}

/** A provider as the API shows it: secrets masked, extra header values hidden (they may carry credentials). */
export function providerView(p: Provider): Provider {
  return { ...p, secrets: p.secrets.map(maskSecret), headers: Object.fromEntries(Object.keys(p.headers).map((h) => [h, '****'])) };
}

/** The key a path's `{ref}` (name, id or prefix) names, or a 404. */
export async function mustFindKey(registry: Registry, ref: string): Promise<ApiKey> {
  const k = await registry.findKey(ref);
  if (!k) throw new ApiError(404, `no key matches "${ref}"`);
  return k;
}

/** A PATCH body as a registry change: `null` (remove) becomes undefined, absent fields stay absent. */
export function toChange<T extends object>(body: T): { [K in keyof T]?: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = v === null ? undefined : v;
  return out as { [K in keyof T]?: Exclude<T[K], null> };
}
