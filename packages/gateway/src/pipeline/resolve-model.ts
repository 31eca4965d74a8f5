import type { Model, Provider, ProviderType, ResolvedModel } from '@llmgw/core';
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
export function resolveModel(ctx: RequestContext, cache: RegistryReader): Promise<void> | void {
  const name = ctx.publicModel;
  const resolved = cache.peekResolved(name);
  if (resolved === undefined) return cache.resolveModel(name).then((r) => withTargets(ctx, cache, r));
  return withTargets(ctx, cache, resolved);
}

/** The model checked against the key, then its targets: sync when every provider is cached. */
function withTargets(ctx: RequestContext, cache: RegistryReader, resolved: ResolvedModel | null): Promise<void> | void {
  const key = ctx.key!;
  const name = ctx.publicModel;
  // A model the key may not use is reported as unknown only when it really is unknown.
  if (!resolved) throw Errors.modelNotFound(name);
  if (modelAccess(key, resolved) !== 'ok') throw Errors.modelNotAllowed(name);
  const model = resolved.model;
  ctx.model = model;
  const reachable = model.targets.filter((t) => keyMayReach(key, t.provider));
  const providers: Array<Provider | null> = [];
  let missing: Promise<void>[] | null = null;
  for (let i = 0; i < reachable.length; i++) {
    const name = reachable[i]!.provider;
    const p = cache.peekProvider(name);
    if (p !== undefined) providers.push(p);
    else {
      providers.push(null);
      (missing ??= []).push(cache.getProvider(name).then((read) => void (providers[i] = read)));
    }
  }
  if (missing) return Promise.all(missing).then(() => narrow(ctx, reachable, providers));
  narrow(ctx, reachable, providers);
}

/** Active providers whose type can serve the endpoint; none: why not. */
function narrow(ctx: RequestContext, reachable: Model['targets'], providers: Array<Provider | null>): void {
  const targets: Target[] = [];
  // Types of the reachable targets skipped because they cannot serve this endpoint, and
  // whether any reachable target could (then an empty list is an outage, not a bad request).
  let cannot: Set<ProviderType> | null = null;
  let some = false;
  for (let i = 0; i < reachable.length; i++) {
    const t = reachable[i]!;
    const provider = providers[i];
    if (!provider) continue;
    if (!servesEndpoint(provider.type, ctx.endpoint.path)) {
      (cannot ??= new Set()).add(provider.type);
      continue;
    }
    some = true;
    if (provider.status !== 'active') continue;
    targets.push({ provider, model: t.model, weight: t.weight * provider.weight, priority: t.priority + provider.priority });
  }
  if (targets.length === 0) throw !some && cannot !== null ? Errors.unsupportedEndpoint(ctx.req.path, ctx.publicModel, [...cannot]) : Errors.noTarget(ctx.publicModel);
  ctx.targets = targets;
}
