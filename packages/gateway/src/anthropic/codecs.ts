import type { ProviderType } from '@llmgw/core';
import type { Usage } from '../pipeline/context.js';
import { mapUsage } from '../relay/extract-usage.js';
import { SseTransform } from '../relay/sse-transform.js';
import type { Codec } from '../upstream/codec.js';
import { convertAnthropicErrorToOpenai, convertOpenaiErrorToAnthropic } from './anthropic-errors.js';
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

/** Anthropic client, OpenAI-compatible upstream: /messages becomes /chat/completions, both ways converted. */
const messagesViaOpenai: Codec = {
  path: '/chat/completions',
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertAnthropicRequestToOpenai(body, model)),
  responseBody: (text, publicModel) => convertJson(text, (j) => convertOpenaiResponseToAnthropic(j, publicModel)),
  stream: (o) => new OpenaiToAnthropicStream({ publicModel: o.publicModel, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
  errorBody: convertOpenaiErrorToAnthropic,
};

/**
 * Anthropic client, Anthropic upstream: the body goes as is (model renamed). Only the usage
 * needs care: message_start reports the input tokens, message_delta the final output
 * tokens, so the two are merged rather than the last one winning.
 */
const messagesPassthrough: Codec = {
  path: '/messages',
  keepQuery: true,
  stream: (o) => {
    let acc: Usage | null = null;
    return new SseTransform({
      upstreamModel: o.upstreamModel,
      publicModel: o.publicModel,
      dropUsageChunk: false,
      onErrorEvent: o.onErrorEvent,
      onUsage: (u) => {
        const write = Math.max(acc?.cacheWriteTokens ?? 0, u.cacheWriteTokens ?? 0);
        acc = acc
          ? {
              promptTokens: Math.max(acc.promptTokens, u.promptTokens),
              completionTokens: Math.max(acc.completionTokens, u.completionTokens),
              cachedTokens: Math.max(acc.cachedTokens, u.cachedTokens),
              ...(write > 0 ? { cacheWriteTokens: write } : {}),
              estimated: false,
            }
          : u;
        o.onUsage(acc);
      },
    });
  },
};

/** count_tokens for a model an Anthropic provider does not serve: estimated here, no upstream call. */
const countTokensLocally: Codec = {
  path: '/messages/count_tokens',
  keepQuery: false,
  localResponse: async (ctx) => JSON.stringify({ input_tokens: await estimateAnthropicInputTokens(ctx.body ?? {}) }),
};

/** OpenAI client, Anthropic upstream: /chat/completions becomes /messages, both ways converted. */
const chatViaAnthropic: Codec = {
  path: '/messages',
  keepQuery: false,
  requestBody: (body, model) => JSON.stringify(convertOpenaiRequestToAnthropic(body, model)),
  responseBody: (text, publicModel) => convertJson(text, (j) => convertAnthropicResponseToOpenai(j, publicModel)),
  stream: (o) => new AnthropicToOpenaiStream({ publicModel: o.publicModel, includeUsage: o.clientWantsUsage, onUsage: o.onUsage, onErrorEvent: o.onErrorEvent }),
  errorBody: convertAnthropicErrorToOpenai,
};

/**
 * Codecs by upstream provider type and client endpoint path (after `/v1`). A pair not listed
 * is the identity. (`/messages/count_tokens` to an Anthropic provider is the identity too.)
 */
export const ANTHROPIC_CODECS = {
  openai: { '/messages': messagesViaOpenai, '/messages/count_tokens': countTokensLocally },
  anthropic: { '/messages': messagesPassthrough, '/chat/completions': chatViaAnthropic },
} satisfies Record<ProviderType, Record<string, Codec>> as Record<ProviderType, Partial<Record<string, Codec>>>;
