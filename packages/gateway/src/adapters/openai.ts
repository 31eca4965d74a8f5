import { ENDPOINT_PATHS } from '../pipeline/endpoints.js';
import { authHeadersFor } from './auth-headers.js';
import type { ProviderAdapter } from './types.js';

/** Any OpenAI-compatible API (OpenAI, OpenRouter, vLLM, Ollama, LM Studio, …). */
export const openaiAdapter: ProviderAdapter = {
  id: 'openai',
  authHeaders: (provider, secret) => authHeadersFor(provider, secret),
  staticHeaders: {},
  // All of them: `/messages` is converted to chat completions, `count_tokens` answered locally.
  endpoints: ENDPOINT_PATHS,
};
