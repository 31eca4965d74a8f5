import type { ProviderType } from '@llmgw/core';
import { keyMayReach, modelAccess } from '../access/model-access.js';
import { servesEndpoint } from '../providers/index.js';
import type { RegistryReader } from '../cache/registry-cache.js';
import { Errors } from '../errors/catalog.js';
import type { RequestContext, Target } from '../request-context.js';

/**
 * Stage: the model the client named, resolved through its aliases to the model that serves,
 * checked against the key's allow-lists (access/model-access.ts), and its targets narrowed to
 * active providers the key may reach whose type can serve the endpoint (adapters' `endpoints`).
 */
export async function resolveModel(ctx: RequestContext, cache: RegistryReader): Promise<void> {
  const key = ctx.key!;
  const name = ctx.publicModel;
  const resolved = await cache.resolveModel(name);
  // A model the key may not use is reported as unknown only when it really is unknown.
  if (!resolved) throw Errors.modelNotFound(name);
  if (modelAccess(key, resolved) !== 'ok') throw Errors.modelNotAllowed(name);
  const model = resolved.model;
  ctx.model = model;
  const targets: Target[] = [];
  // Types of the reachable targets skipped because they cannot serve this endpoint, and
  // whether any reachable target could (then an empty list is an outage, not a bad request).
  const cannot = new Set<ProviderType>();
  let some = false;
  for (const t of model.targets) {
    if (!keyMayReach(key, t.provider)) continue;
    const provider = await cache.getProvider(t.provider);
    if (!provider) continue;
    if (!servesEndpoint(provider.type, ctx.endpoint.path)) {
      cannot.add(provider.type);
      continue;
    }
    some = true;
    if (provider.status !== 'active') continue;
    targets.push({ provider, model: t.model, weight: t.weight * provider.weight, priority: t.priority + provider.priority });
  }
  if (targets.length === 0) throw !some && cannot.size > 0 ? Errors.unsupportedEndpoint(ctx.req.path, name, [...cannot]) : Errors.noTarget(name);
  ctx.targets = targets;
}
