import { compileGlobs, type ApiKey } from '@llmgw/core';
import type { RegistryCache } from '../cache/registry-cache.js';
import { Errors } from '../errors.js';
import type { RequestContext, Target } from './context.js';

// Compiled allow-lists, keyed by the key record (a new record after any edit).
const matchers = new WeakMap<ApiKey, (model: string) => boolean>();

export function keyAllowsModel(key: ApiKey, model: string): boolean {
  let m = matchers.get(key);
  if (!m) {
    m = compileGlobs(key.models);
    matchers.set(key, m);
  }
  return m(model);
}

/**
 * Stage: the model the client named, checked against the key's model allow-list, and its
 * targets narrowed to active providers the key may reach.
 */
export async function resolveModel(ctx: RequestContext, cache: RegistryCache): Promise<void> {
  const key = ctx.key!;
  const name = ctx.publicModel;
  const model = await cache.getModel(name);
  // A model the key may not see is reported as unknown only when it really is unknown.
  if (!model) throw Errors.modelNotFound(name);
  if (!keyAllowsModel(key, name) && !keyAllowsModel(key, model.name)) throw Errors.modelNotAllowed(name);
  ctx.model = model;
  const targets: Target[] = [];
  for (const t of model.targets) {
    if (key.providers.length > 0 && !key.providers.includes(t.provider)) continue;
    const provider = await cache.getProvider(t.provider);
    if (!provider || provider.status !== 'active') continue;
    targets.push({ provider, model: t.model, weight: t.weight * provider.weight, priority: t.priority + provider.priority });
  }
  if (targets.length === 0) {
    if (model.targets.every((t) => key.providers.length > 0 && !key.providers.includes(t.provider))) {
      throw Errors.modelNotAllowed(name);
    }
    throw Errors.noTarget(name);
  }
  ctx.targets = targets;
}
