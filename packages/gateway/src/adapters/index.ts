import type { ProviderType } from '@llmgw/core';
import { anthropicAdapter } from './anthropic.js';
import { openaiAdapter } from './openai.js';
import type { ProviderAdapter } from './types.js';

export const ADAPTERS = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
} satisfies Record<ProviderType, ProviderAdapter>;

export type { ProviderAdapter };

const SERVES = new Map<ProviderType, ReadonlySet<string>>(Object.values(ADAPTERS).map((a) => [a.id, new Set<string>(a.endpoints)]));

/** Can a provider of this type serve this client endpoint (path after `/v1`)? */
export function servesEndpoint(type: ProviderType, path: string): boolean {
  return SERVES.get(type)?.has(path) ?? false;
}
