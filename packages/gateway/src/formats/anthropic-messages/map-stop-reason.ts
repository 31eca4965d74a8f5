/** Anthropic `stop_reason` ↔ OpenAI `finish_reason`, as tables. */

const TO_OPENAI: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const TO_ANTHROPIC: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** Anthropic stop_reason → OpenAI finish_reason (unknown reasons end as `stop`). */
export function mapStopReasonToOpenai(reason: unknown): string | null {
  if (typeof reason !== 'string') return null;
  return TO_OPENAI[reason] ?? 'stop';
}

/** OpenAI finish_reason → Anthropic stop_reason (unknown reasons end as `end_turn`). */
export function mapFinishReasonToAnthropic(reason: unknown): string | null {
  if (typeof reason !== 'string') return null;
  return TO_ANTHROPIC[reason] ?? 'end_turn';
}
