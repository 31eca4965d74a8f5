import type { FinishReason } from './types.js';

/** OpenAI finish_reason → Anthropic stop_reason. */
export function mapFinishReasonToAnthropic(r: FinishReason): string {
  switch (r) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
  }
}
