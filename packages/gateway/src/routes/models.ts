import type { ApiKey, Model } from '@llmgw/core';
import type { RegistryCache } from '../cache/registry-cache.js';
import { keyAllowsModel } from '../pipeline/resolve-model.js';

function visible(key: ApiKey, m: Model): boolean {
  if (!keyAllowsModel(key, m.name)) return false;
  if (m.alias_of) return true;
  return key.providers.length === 0 || m.targets.some((t) => key.providers.includes(t.provider));
}

function toOpenAIModel(m: Model) {
  return {
    id: m.name,
    object: 'model',
    created: Math.floor(Date.parse(m.created_at ?? '1970-01-01T00:00:00Z') / 1000),
    owned_by: m.owned_by ?? (m.alias_of ? 'alias' : (m.targets[0]?.provider ?? 'gateway')),
  };
}

/** `GET /v1/models`: the public models this key may use. */
export async function listModels(cache: RegistryCache, key: ApiKey): Promise<string> {
  const models = (await cache.listModels()).filter((m) => visible(key, m));
  return JSON.stringify({ object: 'list', data: models.map(toOpenAIModel) });
}

/** `GET /v1/models/{id}`: one model, or null when unknown or not allowed. */
export async function getModel(cache: RegistryCache, key: ApiKey, id: string): Promise<string | null> {
  const raw = (await cache.listModels()).find((m) => m.name === id);
  if (!raw || !visible(key, raw)) return null;
  return JSON.stringify(toOpenAIModel(raw));
}
