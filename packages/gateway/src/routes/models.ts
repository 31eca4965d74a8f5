import { followAliases, type ApiKey, type Model } from '@llmgw/core';
import { modelAccess } from '../access/model-access.js';
import type { RegistryCache } from '../cache/registry-cache.js';

function toOpenAIModel(m: Model) {
  return {
    id: m.name,
    object: 'model',
    created: Math.floor(Date.parse(m.created_at ?? '1970-01-01T00:00:00Z') / 1000),
    owned_by: m.owned_by ?? (m.alias_of ? 'alias' : (m.targets[0]?.provider ?? 'gateway')),
  };
}

/** The public names (models and aliases) this key may use: exactly those a request would be let through for. */
async function usable(cache: RegistryCache, key: ApiKey, only?: string): Promise<Model[]> {
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

/** `GET /v1/models`: the public models this key may use. */
export async function listModels(cache: RegistryCache, key: ApiKey): Promise<string> {
  const models = await usable(cache, key);
  return JSON.stringify({ object: 'list', data: models.map(toOpenAIModel) });
}

/** `GET /v1/models/{id}`: one model, or null when unknown or not allowed. */
export async function getModel(cache: RegistryCache, key: ApiKey, id: string): Promise<string | null> {
  const [m] = await usable(cache, key, id);
  return m ? JSON.stringify(toOpenAIModel(m)) : null;
}
