import { isObject, type Json } from '../../formats/anthropic-messages/types.js';
import type { Codec } from '../codec.js';
import type { Usage } from '../../request-context.js';
import { convertChatRequestToGemini } from './convert-chat-request.js';
import { convertEmbeddingsRequestToGemini, convertGeminiEmbeddingsToOpenai } from './convert-embeddings.js';
import { convertGeminiResponseToChat } from './convert-response.js';
import { GeminiToChatStream } from './convert-stream.js';
import { mapGeminiError, readGeminiErrorFacts } from './map-gemini-error.js';

/** Parse an upstream JSON body and convert it; a body that is not a JSON object goes back as it is. */
function convertJson(text: string, convert: (j: Json) => { json: Json; usage: Usage | null }): { text: string; usage: Usage | null } {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return { text, usage: null };
  }
  if (!isObject(j)) return { text, usage: null };
  const out = convert(j);
  return { text: JSON.stringify(out.json), usage: out.usage };
}

/** The upstream endpoint of a chat completion: `models/{model}:generateContent` (or `:streamGenerateContent?alt=sse`), see adapter.ts. */
export const GENERATE_CONTENT = '/generateContent';

/** OpenAI chat completions client, Gemini upstream: converted both ways. */
export const chatViaGemini: Codec = {
  upstream: GENERATE_CONTENT,
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertChatRequestToGemini(body, model)),
  responseBody: (text, publicModel) => convertJson(text, (j) => convertGeminiResponseToChat(j, publicModel)),
  stream: (o) => new GeminiToChatStream({ publicModel: o.publicModel, includeUsage: o.clientWantsUsage, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
  errorBody: mapGeminiError,
  errorFacts: readGeminiErrorFacts,
};

/** OpenAI embeddings client, Gemini upstream: `models/{model}:batchEmbedContents`, floats or base64 as the client asked. */
export const embeddingsViaGemini: Codec = {
  upstream: '/batchEmbedContents',
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertEmbeddingsRequestToGemini(body, model)),
  responseBody: (text, publicModel, request) =>
    convertJson(text, (j) => ({ json: convertGeminiEmbeddingsToOpenai(j, publicModel, request?.encoding_format === 'base64'), usage: null })),
  errorBody: mapGeminiError,
  errorFacts: readGeminiErrorFacts,
};
