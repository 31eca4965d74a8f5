import { followAliases, type ApiKey, type Model } from '@llmgw/core';
import { modelAccess } from '../access/model-access.js';
import type { RegistryReader } from '../cache/registry-cache.js';
import { Errors } from '../errors/catalog.js';
import type { RequestContext } from '../request-context.js';
import { respondJson } from '../relay/respond.js';
import { anthropicModelsPage, toAnthropicModel } from './list-models-anthropic.js';

function toOpenAIModel(m: Model) {
  return {
    id: m.name,
    object: 'model',
    created: Math.floor(Date.parse(m.created_at ?? '1970-01-01T00:00:00Z') / 1000),
    owned_by: m.owned_by ?? (m.alias_of ? 'alias' : (m.targets[0]?.provider ?? 'gateway')),
  };
}

/** The public names (models and aliases) this key may use: exactly those a request would be let through for. */
async function usable(cache: RegistryReader, key: ApiKey, only?: string): Promise<Model[]> {
  const all = await cache.listModels();
  const byName = new Map(all.map((m) => [m.name, m]));
  const out: Model[] = [];
  for (const m of all) {
    if (only !== undefined && m.name !== only) continue;
    const r = await followAliases(m.name, (n) => byName.get(n) ?? null);
    if (r && modelAccess(key, r) === 'ok') out.push(m);
  }
  return out;
}

/**
 * Stage, for `GET /v1/models` and `GET /v1/models/{id}` (`ctx.publicModel`): answered by the
 * gateway from the registry, with exactly the models the key may use; in Anthropic's shape for
 * an Anthropic client (`list-models-anthropic.ts`).
 */
export async function listModels(ctx: RequestContext, cache: RegistryReader): Promise<void> {
  const key = ctx.key!;
  const anthropic = ctx.endpoint.format === 'anthropic';
  if (!ctx.publicModel) {
    const models = await usable(cache, key);
    return respondJson(ctx, 200, anthropic ? anthropicModelsPage(models, ctx.req.query) : JSON.stringify({ object: 'list', data: models.map(toOpenAIModel) }));
  }
  const [m] = await usable(cache, key, ctx.publicModel);
  if (!m) throw Errors.modelNotFound(ctx.publicModel);
  respondJson(ctx, 200, JSON.stringify(anthropic ? toAnthropicModel(m) : toOpenAIModel(m)));
}
