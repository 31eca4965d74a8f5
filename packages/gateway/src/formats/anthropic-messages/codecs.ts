import type { Usage } from '../../request-context.js';
import { mapUsage } from '../../relay/extract-usage.js';
import type { Codec } from '../../providers/codec.js';
import { convertAnthropicErrorToOpenai, convertOpenaiErrorToAnthropic } from './convert-errors.js';
import { convertAnthropicRequestToOpenai } from './convert-anthropic-request-to-openai.js';
import { convertAnthropicResponseToOpenai } from './convert-anthropic-response-to-openai.js';
import { AnthropicToOpenaiStream } from './convert-anthropic-stream-to-openai.js';
import { convertOpenaiRequestToAnthropic } from './convert-openai-request-to-anthropic.js';
import { convertOpenaiResponseToAnthropic } from './convert-openai-response-to-anthropic.js';
import { OpenaiToAnthropicStream } from './convert-openai-stream-to-anthropic.js';
import { estimateAnthropicInputTokens } from './count-tokens.js';
import { isObject, type Json } from './types.js';

/** Parse an upstream JSON body, convert it, and read its usage; a body that does not parse goes back as is. */
function convertJson(text: string, convert: (j: Json) => Json): { text: string; usage: Usage | null } {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return { text, usage: null };
  }
  if (!isObject(j)) return { text, usage: null };
  return { text: JSON.stringify(convert(j)), usage: isObject(j.usage) ? mapUsage(j.usage) : null };
}

/** Anthropic Messages client, OpenAI chat completions upstream: /messages becomes /chat/completions, both ways converted. */
export const messagesViaChat: Codec = {
  upstream: '/chat/completions',
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertAnthropicRequestToOpenai(body, model)),
  responseBody: (text, publicModel) => convertJson(text, (j) => convertOpenaiResponseToAnthropic(j, publicModel)),
  stream: (o) => new OpenaiToAnthropicStream({ publicModel: o.publicModel, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
  errorBody: convertOpenaiErrorToAnthropic,
};

/** count_tokens for an upstream without one: estimated here, no upstream call. */
export const countTokensLocally: Codec = {
  upstream: '/messages/count_tokens',
  keepQuery: false,
  localResponse: async (ctx) => JSON.stringify({ input_tokens: await estimateAnthropicInputTokens(ctx.body ?? {}) }),
};

/** OpenAI chat completions client, Anthropic Messages upstream: /chat/completions becomes /messages, both ways converted. */
export const chatViaMessages: Codec = {
  upstream: '/messages',
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertOpenaiRequestToAnthropic(body, model)),
  responseBody: (text, publicModel) => convertJson(text, (j) => convertAnthropicResponseToOpenai(j, publicModel)),
  stream: (o) => new AnthropicToOpenaiStream({ publicModel: o.publicModel, includeUsage: o.clientWantsUsage, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
  errorBody: convertAnthropicErrorToOpenai,
};
