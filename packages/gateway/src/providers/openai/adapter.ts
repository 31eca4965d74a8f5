import { ENDPOINT_PATHS, type EndpointPath } from '../../api/endpoints.js';
import { countTokensLocally, messagesViaChat } from '../../formats/anthropic-messages/codecs.js';
import { responsesViaChat } from '../../formats/openai-responses/codecs.js';
import { authHeadersFor } from '../auth-headers.js';
import type { ProviderAdapter } from '../types.js';

/** Any OpenAI-compatible API (OpenAI, OpenRouter, vLLM, Ollama, LM Studio, …). */
export const openaiAdapter: ProviderAdapter = {
  id: 'openai',
  authHeaders: (provider, secret) => authHeadersFor(provider, secret),
  staticHeaders: {},
  // Every OpenAI endpoint as is; the Anthropic Messages API through chat completions, and
  // count_tokens answered locally (an OpenAI-compatible API has none).
  serves: {
    ...Object.fromEntries(ENDPOINT_PATHS.map((p): [EndpointPath, 'native'] => [p, 'native'])),
    '/messages': messagesViaChat,
    '/messages/count_tokens': countTokensLocally,
  },
  // A server without the Responses API (`responses_api: chat`) gets its requests as chat completions.
  servesFor: (provider, path) => (path === '/responses' && provider.responses_api === 'chat' ? responsesViaChat : undefined),
};
