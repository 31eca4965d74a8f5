/** Gemini `finishReason` → OpenAI `finish_reason`. */
const TO_OPENAI: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
};

/**
 * A Gemini candidate's `finishReason` as an OpenAI `finish_reason`. Gemini has no reason of its
 * own for a function call: it stops with `STOP`, which is `tool_calls` when the candidate
 * called one. Safety, recitation and blocklist cuts are `content_filter`; the rest
 * (`MALFORMED_FUNCTION_CALL`, `OTHER`, `LANGUAGE`, reasons added later) end as `stop`,
 * OpenAI having no better word for them.
 */
export function mapGeminiFinishReason(reason: unknown, hasToolCalls: boolean): string {
  const r = typeof reason === 'string' ? (TO_OPENAI[reason] ?? 'stop') : 'stop';
  return r === 'stop' && hasToolCalls ? 'tool_calls' : r;
}
