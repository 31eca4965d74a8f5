import { countTokensLocally, messagesViaChat } from '../../formats/anthropic-messages/codecs.js';
import { responsesViaChat } from '../../formats/openai-responses/codecs.js';
import { authHeadersFor } from '../auth-headers.js';
import { composeCodecs } from '../compose-codecs.js';
import type { Codec } from '../codec.js';
import type { ProviderAdapter } from '../types.js';
import { mapAzureError } from './map-azure-error.js';

/** The `api-version` of calls to a provider that sets none (Azure OpenAI's GA data-plane version). */
const AZURE_API_VERSION = '2024-10-21';

/** An OpenAI endpoint as Azure serves it: the body as is (`model` renamed, ignored there), its errors made OpenAI-shaped. */
const azure = (upstream: string): Codec => ({ upstream, keepQuery: false, errorBody: mapAzureError });

/**
 * Azure OpenAI: the OpenAI API per deployment. The base URL is the resource's endpoint
 * (`https://<resource>.openai.azure.com`), a bound model's upstream name is its deployment,
 * and every call carries `api-version` (the provider's `api_version`, else AZURE_API_VERSION):
 * `/openai/deployments/{deployment}/chat/completions?api-version=…`. The key goes in `api-key`.
 */
export const azureAdapter: ProviderAdapter = {
  id: 'azure',
  // `bearer` on an azure provider means "the family's usual header", i.e. api-key; Entra ID
  // tokens go as `--auth-type header --auth-header authorization` with "Bearer …" in the secret.
  authHeaders: (provider, secret) => authHeadersFor(provider, secret, 'api-key'),
  staticHeaders: {},
  url: ({ provider, upstreamModel, endpoint }) =>
    `/openai/deployments/${encodeURIComponent(upstreamModel)}${endpoint}?api-version=${encodeURIComponent(provider.api_version ?? AZURE_API_VERSION)}`,
  serves: {
    '/chat/completions': azure('/chat/completions'),
    '/completions': azure('/completions'),
    '/embeddings': azure('/embeddings'),
    '/images/generations': azure('/images/generations'),
    '/audio/speech': azure('/audio/speech'),
    '/audio/transcriptions': azure('/audio/transcriptions'),
    '/audio/translations': azure('/audio/translations'),
    // Anthropic clients through chat completions; Azure's errors made OpenAI's, then Anthropic's.
    '/messages': composeCodecs(messagesViaChat, azure('/chat/completions')),
    '/messages/count_tokens': countTokensLocally,
    // Responses clients through the deployment's chat completions.
    '/responses': composeCodecs(responsesViaChat, azure('/chat/completions')),
  },
};
