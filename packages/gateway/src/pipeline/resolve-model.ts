import type { ApiKey, Model, Provider, ProviderType, ResolvedModel } from '@llmgw/core';
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

/** A key's targets of a model for one endpoint, and the provider records they were made from. */
interface TargetsMemo {
  path: string;
  reachable: Model['targets'];
  providers: Array<Provider | null>;
  targets: Target[];
}

/**
 * The last targets made per model and key record (both replaced by the registry cache when
 * they change, so an entry never outlives what it was made of; the provider records are
 * checked on each use): a busy key's requests reuse
 * them while the provider records are the same ones, instead of making the lists and the
 * targets again per request. The lists are shared: every stage that narrows them makes a new one.
 */
const memos = new WeakMap<Model, WeakMap<ApiKey, TargetsMemo>>();

/** The memo's targets when every provider record it was made from is still the cached one. */
function fromMemo(m: TargetsMemo | undefined, path: string, cache: RegistryReader): Target[] | null {
  if (m === undefined || m.path !== path) return null;
  for (let i = 0; i < m.reachable.length; i++) if (cache.peekProvider(m.reachable[i]!.provider) !== m.providers[i]) return null;
  return m.targets;
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
  let byKey = memos.get(model);
  const memo = byKey?.get(key);
  const known = fromMemo(memo, ctx.endpoint.path, cache);
  if (known !== null) {
    ctx.targets = known;
    return;
  }
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
  const keep = () => {
    if (!byKey) memos.set(model, (byKey = new WeakMap()));
    byKey.set(key, { path: ctx.endpoint.path, reachable, providers, targets: ctx.targets });
  };
  if (missing) {
    return Promise.all(missing).then(() => {
      narrow(ctx, reachable, providers);
      keep();
    });
  }
  narrow(ctx, reachable, providers);
  keep();
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
