import { num, type AnthropicUsage, type OpenaiUsage } from './types.js';

/** OpenAI usage → Anthropic usage (Anthropic counts cache reads outside `input_tokens`). */
export function convertOpenaiUsageToAnthropic(u: OpenaiUsage | null | undefined): AnthropicUsage {
  if (!u) return { input_tokens: 0, output_tokens: 0 };
  const cached = num(u.prompt_tokens_details?.cached_tokens);
  const out: AnthropicUsage = { input_tokens: Math.max(0, num(u.prompt_tokens) - cached), output_tokens: num(u.completion_tokens) };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}

/** Anthropic usage → OpenAI usage (cache reads and writes are part of `prompt_tokens`). */
export function convertAnthropicUsageToOpenai(u: Partial<AnthropicUsage> | null | undefined): Required<Omit<OpenaiUsage, 'prompt_tokens_details'>> & { prompt_tokens_details: { cached_tokens: number } } {
  const cached = num(u?.cache_read_input_tokens);
  const prompt = num(u?.input_tokens) + cached + num(u?.cache_creation_input_tokens);
  const completion = num(u?.output_tokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}
