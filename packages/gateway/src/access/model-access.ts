import { compileGlobs, type ApiKey, type ResolvedModel } from '@llmgw/core';

/**
 * The access rule, in one place for every endpoint that takes a model and for the models list:
 *
 * - the model that serves (the one billed: the public model an alias resolves to) must be
 *   allowed. A glob or a name in the key's `models` that matches it grants it, under its own
 *   name and under every alias of it;
 * - an entry that names an alias exactly (no `*` or `?`) grants what that alias points to,
 *   through that alias: a request whose alias chain passes through it. A glob never grants
 *   anything because it matches an alias's name (`m-ok*` does not open `m-ok-alias` → `m-slow`);
 * - the key's `providers` (when not empty) must include a provider of at least one target of
 *   that model; the other targets are never chosen.
 */
export type ModelAccess = 'ok' | 'model not allowed' | 'no allowed provider';

interface Grant {
  /** Globs and names, matched against the serving model. */
  serving: (name: string) => boolean;
  /** Entries without wildcards, matched against the aliases passed through. */
  names: ReadonlySet<string>;
}

// Compiled allow-lists, keyed by the key record (a new record after any edit).
const grants = new WeakMap<ApiKey, Grant>();

function grantOf(key: ApiKey): Grant {
  let g = grants.get(key);
  if (!g) {
    g = { serving: compileGlobs(key.models), names: new Set(key.models.filter((m) => !/[*?]/.test(m))) };
    grants.set(key, g);
  }
  return g;
}

/** May the key send requests to this provider? */
export function keyMayReach(key: ApiKey, provider: string): boolean {
  return key.providers.length === 0 || key.providers.includes(provider);
}

/** May the key use the model `r` resolved to, asked for by the first name of `r.via` (or the model's own)? */
export function modelAccess(key: ApiKey, r: ResolvedModel): ModelAccess {
  const g = grantOf(key);
  let allowed = g.serving(r.model.name);
  for (let i = 0; !allowed && i < r.via.length; i++) allowed = g.names.has(r.via[i]!);
  if (!allowed) return 'model not allowed';
  if (key.providers.length > 0 && !r.model.targets.some((t) => key.providers.includes(t.provider))) return 'no allowed provider';
  return 'ok';
}
