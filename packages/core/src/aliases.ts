import type { Model } from './schemas.js';

/** Most alias hops followed from a requested name to the model that serves it. */
export const MAX_ALIAS_HOPS = 4;

/** A public name resolved to the model that serves it. */
export interface ResolvedModel {
  /** The model that serves (and is billed): never an alias. */
  model: Model;
  /** The aliases passed through, from the requested name on; empty when the name was the model's own. */
  via: readonly string[];
}

/**
 * Follow `alias_of` from `name` to a model with targets, at most MAX_ALIAS_HOPS hops (a longer
 * chain, a cycle or a dangling alias resolves to null, as an unknown name does). `get` reads one
 * record by name: the registry, a cache, or a list already in memory.
 */
export async function followAliases(name: string, get: (name: string) => Model | null | Promise<Model | null>): Promise<ResolvedModel | null> {
  let m = await get(name);
  const via: string[] = [];
  for (let hops = 0; m?.alias_of && hops < MAX_ALIAS_HOPS; hops++) {
    via.push(m.name);
    m = await get(m.alias_of);
  }
  return m && !m.alias_of ? { model: m, via } : null;
}
