import { countTokensLocally, messagesViaChat } from '../../formats/anthropic-messages/codecs.js';
import { responsesViaChat } from '../../formats/openai-responses/codecs.js';
import { authHeadersFor } from '../auth-headers.js';
import { composeCodecs } from '../compose-codecs.js';
import type { ProviderAdapter } from '../types.js';
import { chatViaGemini, embeddingsViaGemini, GENERATE_CONTENT } from './codecs.js';
import { modelResource } from './model-resource.js';

/** The model's resource name as a URL path. */
const resource = (model: string): string => modelResource(model).split('/').map(encodeURIComponent).join('/');

/**
 * Google's Gemini API (Generative Language API v1beta). The base URL is
 * `https://generativelanguage.googleapis.com/v1beta`; a bound model's upstream name is a Gemini
 * model (`gemini-2.5-flash`), and the URL names it and the method:
 * `/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` for a stream. The key
 * goes in `x-goog-api-key`. Chat completions are converted both ways (codecs.ts); Anthropic
 * Messages clients are served through them, count_tokens answered locally; embeddings go to
 * `:batchEmbedContents`.
 */
export const geminiAdapter: ProviderAdapter = {
  id: 'gemini',
  // `bearer` on a gemini provider means "the family's usual header", i.e. x-goog-api-key; an
  // OAuth token goes as `--auth-type header --auth-header authorization` with "Bearer …" in the secret.
  authHeaders: (provider, secret) => authHeadersFor(provider, secret, 'x-goog-api-key'),
  staticHeaders: {},
  url: ({ upstreamModel, endpoint, stream }) =>
    endpoint === GENERATE_CONTENT && stream ? `/${resource(upstreamModel)}:streamGenerateContent?alt=sse` : `/${resource(upstreamModel)}:${endpoint.slice(1)}`,
  serves: {
    '/chat/completions': chatViaGemini,
    '/embeddings': embeddingsViaGemini,
    '/messages': composeCodecs(messagesViaChat, chatViaGemini),
    '/messages/count_tokens': countTokensLocally,
    '/responses': composeCodecs(responsesViaChat, chatViaGemini),
  },
};
