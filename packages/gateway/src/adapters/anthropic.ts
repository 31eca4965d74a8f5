import { authHeadersFor } from './auth-headers.js';
import type { ProviderAdapter } from './types.js';

/** Anthropic's native Messages API: `x-api-key` + `anthropic-version`. */
export const anthropicAdapter: ProviderAdapter = {
  id: 'anthropic',
  // `bearer` on an anthropic provider means "the family's usual header", i.e. x-api-key.
  authHeaders: (provider, secret) => authHeadersFor(provider, secret, 'x-api-key'),
  staticHeaders: { 'anthropic-version': '2023-06-01' },
};
