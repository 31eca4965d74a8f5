/**
 * OpenAI finish_reason → Gemini `finishReason`. Gemini has no reason of its own for a function
 * call: it stops with `STOP`. Any other value is the caller's own (`RECITATION`, …), sent as is.
 */
export function mapFinishReasonToGemini(r: string): string {
  switch (r) {
    case 'stop':
    case 'tool_calls':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    default:
      return r;
  }
}
