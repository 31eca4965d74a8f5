import { convertAnthropicUsageToOpenai } from './convert-openai-usage.js';
import { mapStopReasonToOpenai } from './map-stop-reason.js';
import { isObject, type AnthropicUsage, type Json, type OpenaiToolCall, str } from './types.js';

/**
 * An Anthropic `message` as an OpenAI `chat.completion`: text blocks joined into `content`,
 * tool_use blocks as `tool_calls`, thinking as `reasoning_content` (the DeepSeek/vLLM field).
 */
export function convertAnthropicResponseToOpenai(msg: Json, publicModel: string, created = Math.floor(Date.now() / 1000)): Json {
  const texts: string[] = [];
  const thinking: string[] = [];
  const calls: OpenaiToolCall[] = [];
  for (const b of Array.isArray(msg.content) ? msg.content : []) {
    if (!isObject(b)) continue;
    if (b.type === 'text') texts.push(str(b.text));
    else if (b.type === 'thinking') thinking.push(str(b.thinking));
    else if (b.type === 'tool_use') {
      calls.push({ id: String(b.id), type: 'function', function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } });
    }
  }
  const message: Json = { role: 'assistant', content: texts.length > 0 ? texts.join('') : calls.length > 0 ? null : '', refusal: null };
  if (calls.length > 0) message.tool_calls = calls;
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  return {
    id: typeof msg.id === 'string' ? msg.id : 'chatcmpl-gateway',
    object: 'chat.completion',
    created,
    model: publicModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: mapStopReasonToOpenai(msg.stop_reason) ?? 'stop' }],
    usage: convertAnthropicUsageToOpenai(msg.usage as Partial<AnthropicUsage> | undefined),
  };
}
