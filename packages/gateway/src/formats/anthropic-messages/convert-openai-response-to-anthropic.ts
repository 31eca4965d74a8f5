import { convertOpenaiUsageToAnthropic } from './convert-openai-usage.js';
import { mapFinishReasonToAnthropic } from './map-stop-reason.js';
import { anthropicMessageId } from './message-id.js';
import { isObject, type Json, type OpenaiMessage, type OpenaiUsage, str } from './types.js';

/** Tool arguments as an object; arguments a model garbled become `{}` rather than failing the answer. */
export function parseToolArguments(args: unknown): unknown {
  if (typeof args !== 'string' || args === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

function textOfContent(content: OpenaiMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' ? str((p as { text: unknown }).text) : '')).join('');
}

/**
 * An OpenAI `chat.completion` as an Anthropic `message`: reasoning (`reasoning_content`, as
 * DeepSeek/vLLM send it) becomes a thinking block, text a text block, tool calls tool_use blocks.
 */
export function convertOpenaiResponseToAnthropic(res: Json, publicModel: string): Json {
  const choice = Array.isArray(res.choices) && isObject(res.choices[0]) ? res.choices[0] : {};
  const msg = (isObject(choice.message) ? choice.message : {}) as unknown as OpenaiMessage & { reasoning?: string };
  const content: Json[] = [];
  const reasoning = msg.reasoning_content ?? msg.reasoning;
  if (typeof reasoning === 'string' && reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = textOfContent(msg.content);
  const calls = Array.isArray(msg.tool_calls) ? msg.tool_calls : [];
  if (text || calls.length === 0) content.push({ type: 'text', text });
  for (const c of calls) {
    content.push({ type: 'tool_use', id: c.id, name: c.function?.name ?? '', input: parseToolArguments(c.function?.arguments) });
  }
  let stop = mapFinishReasonToAnthropic(choice.finish_reason) ?? 'end_turn';
  if (calls.length > 0 && stop === 'end_turn') stop = 'tool_use'; // some servers say "stop" after a tool call
  return {
    id: anthropicMessageId(res.id),
    type: 'message',
    role: 'assistant',
    model: publicModel,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: convertOpenaiUsageToAnthropic(res.usage as OpenaiUsage | undefined),
  };
}
