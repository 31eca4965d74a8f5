import type { ProviderType } from '@llmgw/core';
import { anthropicAdapter } from './anthropic.js';
import { openaiAdapter } from './openai.js';
import type { ProviderAdapter } from './types.js';

export const ADAPTERS = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
} satisfies Record<ProviderType, ProviderAdapter>;

export type { ProviderAdapter };
