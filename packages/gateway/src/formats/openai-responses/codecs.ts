import type { Codec } from '../../providers/codec.js';
import { mapUsage } from '../../relay/extract-usage.js';
import { convertChatResponseToResponses } from './build-response.js';
import { ChatToResponsesStream } from './convert-chat-stream-to-responses.js';
import { convertResponsesRequestToChat } from './convert-responses-request-to-chat.js';
import { isObject } from './types.js';

/**
 * Responses API client, chat completions upstream: /responses becomes /chat/completions, the
 * answer and every stream event converted back. Error bodies are OpenAI's on both sides. An
 * upstream of another API (Anthropic Messages, Gemini) is reached through
 * `composeCodecs(responsesViaChat, <chat codec>)`.
 */
export const responsesViaChat: Codec = {
  upstream: '/chat/completions',
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertResponsesRequestToChat(body, model)),
  responseBody(text, publicModel, request) {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      return { text, usage: null };
    }
    if (!isObject(j)) return { text, usage: null };
    return { text: JSON.stringify(convertChatResponseToResponses(j, publicModel, request)), usage: isObject(j.usage) ? mapUsage(j.usage) : null };
  },
  stream: (o) => new ChatToResponsesStream({ publicModel: o.publicModel, request: o.request ?? null, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
};
