import { isObject } from '../../formats/anthropic-messages/types.js';
import type { Codec } from '../codec.js';
import { convertChatRequestToGemini } from './convert-chat-request.js';
import { convertGeminiResponseToChat } from './convert-response.js';
import { GeminiToChatStream } from './convert-stream.js';
import { mapGeminiError, readGeminiErrorFacts } from './map-gemini-error.js';

/** The upstream endpoint of a chat completion: `models/{model}:generateContent` (or `:streamGenerateContent?alt=sse`), see adapter.ts. */
export const GENERATE_CONTENT = '/generateContent';

/** OpenAI chat completions client, Gemini upstream: converted both ways. */
export const chatViaGemini: Codec = {
  upstream: GENERATE_CONTENT,
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertChatRequestToGemini(body, model)),
  responseBody: (text, publicModel) => {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      return { text, usage: null }; // not JSON: goes back as it is
    }
    if (!isObject(j)) return { text, usage: null };
    const { json, usage } = convertGeminiResponseToChat(j, publicModel);
    return { text: JSON.stringify(json), usage };
  },
  stream: (o) => new GeminiToChatStream({ publicModel: o.publicModel, includeUsage: o.clientWantsUsage, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
  errorBody: mapGeminiError,
  errorFacts: readGeminiErrorFacts,
};
