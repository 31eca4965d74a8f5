import { Errors } from '../../errors/catalog.js';
import { isObject, type AnthropicBlock, type AnthropicImageBlock, type AnthropicMessage, type AnthropicTool, type AnthropicToolResultBlock, type AnthropicToolUseBlock, type Json, type OpenaiContentPart, type OpenaiMessage, type OpenaiToolCall, str } from './types.js';

/** Fields with the same name and meaning in both APIs. */
const SAME_PARAMS = ['temperature', 'top_p', 'max_tokens'] as const;

/** Anthropic `tool_choice.type` → OpenAI `tool_choice`. */
const TOOL_CHOICE: Record<string, (c: Json) => unknown> = {
  auto: () => 'auto',
  any: () => 'required',
  none: () => 'none',
  tool: (c) => ({ type: 'function', function: { name: c.name } }),
};

/** Blocks an OpenAI-compatible model has no place for; dropped (a signed thinking block only means something to Claude). */
const DROPPED_BLOCKS = new Set(['thinking', 'redacted_thinking']);

function unsupported(type: string): never {
  throw Errors.invalidBody(`Content blocks of type "${type}" cannot be sent to a model served by an OpenAI-compatible provider.`, 'messages');
}

function imagePart(b: AnthropicImageBlock): OpenaiContentPart {
  const s = b.source;
  const url = s.type === 'base64' ? `data:${s.media_type};base64,${s.data}` : s.url;
  return { type: 'image_url', image_url: { url } };
}

/** A user-side block (text, image, document) as an OpenAI content part; null when dropped. */
function userPart(b: AnthropicBlock): OpenaiContentPart | null {
  switch (b.type) {
    case 'text':
      return { type: 'text', text: str((b as { text: unknown }).text) };
    case 'image':
      return imagePart(b as AnthropicImageBlock);
    case 'document': {
      const s = (b as { source?: Json }).source ?? {};
      if (s.type === 'text') return { type: 'text', text: str(s.data) };
      if (s.type === 'base64') return { type: 'file', file: { filename: str((b as Json).title, 'document.pdf'), file_data: `data:${String(s.media_type)};base64,${String(s.data)}` } };
      return unsupported('document');
    }
    default:
      return DROPPED_BLOCKS.has(b.type) ? null : unsupported(b.type);
  }
}

function textOf(content: string | AnthropicBlock[] | undefined, images: OpenaiContentPart[]): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const b of content) {
    if (b.type === 'text') texts.push(str((b as { text: unknown }).text));
    else if (b.type === 'image') images.push(imagePart(b as AnthropicImageBlock)); // tool messages carry text only
  }
  return texts.join('\n');
}

/** `[single text]` → the string; anything else stays a list of parts. */
function compact(parts: OpenaiContentPart[]): string | OpenaiContentPart[] {
  return parts.length === 1 && parts[0]!.type === 'text' ? (parts[0] as { text: string }).text : parts;
}

/** A user turn: tool results become `tool` messages (first, right after the assistant's calls), the rest one user message. */
function convertUser(content: AnthropicBlock[], out: OpenaiMessage[]): void {
  const parts: OpenaiContentPart[] = [];
  for (const b of content) {
    if (b.type === 'tool_result') {
      const r = b as AnthropicToolResultBlock;
      out.push({ role: 'tool', tool_call_id: r.tool_use_id, content: textOf(r.content, parts) });
    } else {
      const p = userPart(b);
      if (p) parts.push(p);
    }
  }
  if (parts.length > 0) out.push({ role: 'user', content: compact(parts) });
}

function convertAssistant(content: AnthropicBlock[], out: OpenaiMessage[]): void {
  const texts: string[] = [];
  const calls: OpenaiToolCall[] = [];
  for (const b of content) {
    if (b.type === 'text') texts.push(str((b as { text: unknown }).text));
    else if (b.type === 'tool_use') {
      const t = b as AnthropicToolUseBlock;
      calls.push({ id: t.id, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.input ?? {}) } });
    } else if (!DROPPED_BLOCKS.has(b.type)) unsupported(b.type);
  }
  const msg: OpenaiMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : calls.length > 0 ? null : '' };
  if (calls.length > 0) msg.tool_calls = calls;
  out.push(msg);
}

function systemText(system: unknown): string | null {
  if (typeof system === 'string') return system || null;
  if (!Array.isArray(system)) return null;
  const texts = system.filter((b) => isObject(b) && b.type === 'text').map((b) => str((b as Json).text));
  return texts.length > 0 ? texts.join('\n') : null;
}

/** Anthropic `system` + `messages` → OpenAI `messages`. */
function convertAnthropicMessages(body: Json): OpenaiMessage[] {
  const out: OpenaiMessage[] = [];
  const system = systemText(body.system);
  if (system !== null) out.push({ role: 'system', content: system });
  if (!Array.isArray(body.messages)) return out;
  for (const m of body.messages as AnthropicMessage[]) {
    if (!isObject(m)) continue;
    if (typeof m.content === 'string') out.push({ role: m.role === 'assistant' ? 'assistant' : 'user', content: m.content });
    else if (!Array.isArray(m.content)) continue;
    else if (m.role === 'assistant') convertAssistant(m.content, out);
    else convertUser(m.content, out);
  }
  return out;
}

/** Client tools become functions; Anthropic server tools (web search, code execution, …) have no OpenAI counterpart and are left out. */
function convertTools(tools: AnthropicTool[]): Json[] {
  const out: Json[] = [];
  for (const t of tools) {
    if (!isObject(t) || (t.type !== undefined && t.type !== 'custom')) continue;
    const fn: Json = { name: t.name, parameters: t.input_schema ?? { type: 'object', properties: {} } };
    if (t.description) fn.description = t.description;
    out.push({ type: 'function', function: fn });
  }
  return out;
}

/**
 * An Anthropic Messages request as an OpenAI Chat Completions request for `model`.
 * Streams ask for usage (`stream_options.include_usage`) so message_delta can report it.
 * `top_k` and `thinking` have no OpenAI counterpart and are dropped.
 */
export function convertAnthropicRequestToOpenai(body: Json, model: string): Json {
  const out: Json = { model, messages: convertAnthropicMessages(body) };
  for (const k of SAME_PARAMS) if (body[k] !== undefined) out[k] = body[k];
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  const tools = Array.isArray(body.tools) ? convertTools(body.tools as AnthropicTool[]) : [];
  if (tools.length > 0) out.tools = tools;
  const choice = body.tool_choice;
  // OpenAI refuses tool_choice and parallel_tool_calls without tools.
  if (tools.length > 0 && isObject(choice) && typeof choice.type === 'string' && TOOL_CHOICE[choice.type]) {
    out.tool_choice = TOOL_CHOICE[choice.type]!(choice);
    if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}
