import type { Provider, ProviderType } from '@llmgw/core';
import type { Endpoint } from '../api/endpoints.js';
import { anthropicAdapter } from './anthropic/adapter.js';
import { azureAdapter } from './azure/adapter.js';
import type { Codec } from './codec.js';
import { geminiAdapter } from './gemini/adapter.js';
import { openaiAdapter } from './openai/adapter.js';
import type { ProviderAdapter, UpstreamUrlInput } from './types.js';

/** Every provider type, one line each. */
export const ADAPTERS = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  azure: azureAdapter,
  gemini: geminiAdapter,
} satisfies Record<ProviderType, ProviderAdapter>;

export type { ProviderAdapter };

/** Can a provider of this type serve this client endpoint (path after `/v1`)? */
export function servesEndpoint(type: ProviderType, path: string): boolean {
  const a: ProviderAdapter = ADAPTERS[type];
  return a.serves[path as keyof ProviderAdapter['serves']] !== undefined;
}

/**
 * The codec a provider serves the endpoint with (given a type only: what the type does by
 * default); null when native (or not served).
 */
export function codecFor(endpoint: Pick<Endpoint, 'path'>, provider: ProviderType | Provider): Codec | null {
  const a: ProviderAdapter = ADAPTERS[typeof provider === 'string' ? provider : provider.type];
  const path = endpoint.path as keyof ProviderAdapter['serves'];
  const how = (typeof provider !== 'string' && a.servesFor?.(provider, path)) || a.serves[path];
  return how === undefined || how === 'native' ? null : how;
}

/** The upstream path and query of a call (after the provider's base URL path). */
export function upstreamUrl(u: UpstreamUrlInput): string {
  const a: ProviderAdapter = ADAPTERS[u.provider.type];
  if (a.url) return a.url(u);
  return u.query ? `${u.endpoint}?${u.query}` : u.endpoint;
}
