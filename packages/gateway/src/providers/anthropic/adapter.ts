import { chatViaMessages } from '../../formats/anthropic-messages/codecs.js';
import { responsesViaChat } from '../../formats/openai-responses/codecs.js';
import { composeCodecs } from '../compose-codecs.js';
import { authHeadersFor } from '../auth-headers.js';
import type { ProviderAdapter } from '../types.js';
import { messagesPassthrough } from './messages-passthrough.js';

/** Anthropic's native Messages API: `x-api-key` + `anthropic-version`. */
export const anthropicAdapter: ProviderAdapter = {
  id: 'anthropic',
  // `bearer` on an anthropic provider means "the family's usual header", i.e. x-api-key.
  authHeaders: (provider, secret) => authHeadersFor(provider, secret, 'x-api-key'),
  staticHeaders: { 'anthropic-version': '2023-06-01' },
  // Its own Messages API, chat completions converted to it, and the Responses API through
  // chat completions. No legacy completions, embeddings, moderation, image or audio API.
  serves: {
    '/messages': messagesPassthrough,
    '/messages/count_tokens': 'native',
    '/chat/completions': chatViaMessages,
    '/responses': composeCodecs(responsesViaChat, chatViaMessages),
  },
};
