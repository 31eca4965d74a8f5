/** OpenAI finish_reason → Anthropic stop_reason; any other value is the caller's own, sent as is. */
export function mapFinishReasonToAnthropic(r: string): string {
  switch (r) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return r;
  }
}
