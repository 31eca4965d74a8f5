import { Errors } from '../../errors/catalog.js';
import { parseToolArguments } from './convert-openai-response-to-anthropic.js';
import { isObject, type AnthropicBlock, type Json, type OpenaiContentPart, type OpenaiMessage, str } from './types.js';

/**
 * `max_tokens` is required by Anthropic; an OpenAI client may omit it. This is the value sent
 * then (documented in docs/api.md): large enough for ordinary answers, within every Claude model's limit.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** OpenAI `tool_choice` → Anthropic `tool_choice`. */
const TOOL_CHOICE: Record<string, Json> = {
  auto: { type: 'auto' },
  required: { type: 'any' },
  none: { type: 'none' },
};

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

function unsupported(what: string): never {
  throw Errors.invalidBody(`${what} cannot be sent to a model served by an Anthropic provider.`, 'messages');
}

function imageBlock(url: string): AnthropicBlock {
  const m = DATA_URL.exec(url);
  return m ? { type: 'image', source: { type: 'base64', media_type: m[1]!, data: m[2]! } } : { type: 'image', source: { type: 'url', url } };
}

/** An OpenAI content part as an Anthropic block. */
function partBlock(p: OpenaiContentPart): AnthropicBlock {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: str((p as { text: unknown }).text) };
    case 'image_url': {
      const iu = (p as { image_url: unknown }).image_url;
      return imageBlock(typeof iu === 'string' ? iu : str((iu as { url?: unknown })?.url));
    }
    case 'file': {
      const f = (p as { file?: Json }).file ?? {};
      const m = typeof f.file_data === 'string' ? DATA_URL.exec(f.file_data) : null;
      if (m) return { type: 'document', source: { type: 'base64', media_type: m[1]!, data: m[2]! } };
      return unsupported('A file part without inline data');
    }
    default:
      return unsupported(`A content part of type "${p.type}"`);
  }
}

function blocksOf(content: OpenaiMessage['content']): AnthropicBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return Array.isArray(content) ? content.map(partBlock) : [];
}

function textOf(content: OpenaiMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' ? str((p as { text: unknown }).text) : '')).join('\n');
}

interface Turn {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/** Append blocks to the conversation, merging consecutive turns of one role (tool results and a user follow-up are one user turn). */
function append(turns: Turn[], role: Turn['role'], blocks: AnthropicBlock[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** OpenAI `messages` → Anthropic `system` (system and developer messages, wherever they are) and `messages`. */
function convertOpenaiMessages(messages: OpenaiMessage[]): { system: string | null; messages: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(m.content));
        break;
      case 'assistant': {
        const blocks = blocksOf(m.content);
        for (const c of m.tool_calls ?? []) {
          blocks.push({ type: 'tool_use', id: c.id, name: c.function?.name ?? '', input: parseToolArguments(c.function?.arguments) });
        }
        append(turns, 'assistant', blocks);
        break;
      }
      case 'tool':
        append(turns, 'user', [{ type: 'tool_result', tool_use_id: str(m.tool_call_id), content: textOf(m.content) }]);
        break;
      default:
        append(turns, 'user', blocksOf(m.content));
    }
  }
  return { system: system.length > 0 ? system.join('\n') : null, messages: turns };
}

function convertTools(tools: unknown[]): Json[] {
  const out: Json[] = [];
  for (const t of tools) {
    if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) continue;
    const f = t.function;
    const tool: Json = { name: f.name, input_schema: f.parameters ?? { type: 'object', properties: {} } };
    if (typeof f.description === 'string') tool.description = f.description;
    out.push(tool);
  }
  return out;
}

function convertToolChoice(choice: unknown, parallel: unknown): Json | null {
  let c: Json | null = null;
  if (typeof choice === 'string') c = TOOL_CHOICE[choice] ? { ...TOOL_CHOICE[choice] } : null;
  else if (isObject(choice) && isObject(choice.function)) c = { type: 'tool', name: choice.function.name };
  if (parallel === false) {
    c ??= { type: 'auto' };
    if (c.type !== 'none') c.disable_parallel_tool_use = true;
  }
  return c;
}

/**
 * An OpenAI Chat Completions request as an Anthropic Messages request for `model`.
 * `max_completion_tokens` (or `max_tokens`) becomes `max_tokens`, defaulting to
 * DEFAULT_MAX_TOKENS; `temperature` is capped at 1 (Anthropic's range is 0–1); parameters
 * without an Anthropic counterpart (`n`, `seed`, penalties, `response_format`, …) are dropped.
 */
export function convertOpenaiRequestToAnthropic(body: Json, model: string): Json {
  const { system, messages } = convertOpenaiMessages(Array.isArray(body.messages) ? (body.messages as OpenaiMessage[]) : []);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const out: Json = { model, messages, max_tokens: typeof maxTokens === 'number' ? maxTokens : DEFAULT_MAX_TOKENS };
  if (system !== null) out.system = system;
  if (typeof body.temperature === 'number') out.temperature = Math.min(1, body.temperature);
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (typeof body.stop === 'string') out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) out.stop_sequences = body.stop;
  const tools = Array.isArray(body.tools) ? convertTools(body.tools) : [];
  if (tools.length > 0) {
    out.tools = tools;
    const choice = convertToolChoice(body.tool_choice, body.parallel_tool_calls);
    if (choice) out.tool_choice = choice;
  }
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (body.stream === true) out.stream = true;
  return out;
}
