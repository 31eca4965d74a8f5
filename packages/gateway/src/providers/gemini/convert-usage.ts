import { num, type Json } from '../../formats/anthropic-messages/types.js';
import type { Usage } from '../../request-context.js';
import type { GeminiUsageMetadata } from './types.js';

/**
 * Gemini `usageMetadata` as OpenAI `usage` and as the gateway's `Usage`. Gemini counts the
 * model's thinking (`thoughtsTokenCount`) apart from the answer (`candidatesTokenCount`) but
 * bills it as output: both are completion tokens, the thoughts also as `reasoning_tokens`, as
 * OpenAI reports its reasoning models. Cache reads (`cachedContentTokenCount`) are part of the
 * prompt, as in OpenAI's `prompt_tokens_details.cached_tokens`; so are the tokens of tool
 * results Gemini fetched itself (`toolUsePromptTokenCount`), billed as input.
 */
export function convertGeminiUsage(u: GeminiUsageMetadata): { openai: Json; usage: Usage } {
  const prompt = num(u.promptTokenCount) + num(u.toolUsePromptTokenCount);
  const thoughts = num(u.thoughtsTokenCount);
  const completion = num(u.candidatesTokenCount) + thoughts;
  const cached = num(u.cachedContentTokenCount);
  const openai: Json = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
  return { openai, usage: { promptTokens: prompt, completionTokens: completion, cachedTokens: cached, estimated: false } };
}
