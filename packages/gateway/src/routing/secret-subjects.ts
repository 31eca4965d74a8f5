import { secretSubject, type Provider } from '@llmgw/core';

// Keyed by the provider record, which the registry cache replaces after any edit.
const cache = new WeakMap<Provider, string[]>();

/** The health subject of each of a provider's secrets, by index. */
export function secretSubjects(p: Provider): string[] {
  let s = cache.get(p);
  if (!s) {
    s = p.secrets.map(secretSubject);
    cache.set(p, s);
  }
  return s;
}
