import { Errors } from '../../errors/catalog.js';
import { isObject, normalizeInput, str, type Json, type ResponseItem } from './types.js';

/**
 * A Responses API request as a chat completions request, for upstreams that only speak chat
 * completions (directly, or as the middle step to Anthropic Messages or Gemini).
 *
 * - `instructions` → a leading `system` message; `input` items → messages: a `message` item
 *   keeps its role (`developer` → `system`), its `input_text`/`output_text` parts become text,
 *   `input_image` an `image_url` part; `function_call` items become the assistant's
 *   `tool_calls` (consecutive ones merged into one assistant message), `function_call_output`
 *   a `tool` message; `reasoning` items are dropped (chat completions has no place for them).
 * - `tools` of type `function` → chat tools; any other tool type (web search, file search,
 *   computer use, MCP, a `namespace`…) is one the upstream cannot run: left out (a
 *   `tool_choice` forcing one is refused with a 400).
 * - `max_output_tokens` → `max_completion_tokens`; `text.format` → `response_format`;
 *   `reasoning.effort` → `reasoning_effort`; `temperature`, `top_p`, `parallel_tool_calls`,
 *   `user`, `metadata` as they are; a stream asks for usage (`stream_options.include_usage`).
 */
export function convertResponsesRequestToChat(body: Json, model: string): Json {
  const messages: Json[] = [];
  if (typeof body.instructions === 'string' && body.instructions) messages.push({ role: 'system', content: body.instructions });
  let pendingCalls: Json | null = null;
  for (const item of normalizeInput(body.input)) {
    if (item.type === 'function_call') {
      const call = { id: str(item.call_id) || str(item.id), type: 'function', function: { name: str(item.name), arguments: str(item.arguments, '{}') } };
      if (pendingCalls) (pendingCalls.tool_calls as Json[]).push(call);
      else {
        pendingCalls = { role: 'assistant', content: null, tool_calls: [call] };
        messages.push(pendingCalls);
      }
      continue;
    }
    pendingCalls = null;
    if (item.type === 'function_call_output') messages.push({ role: 'tool', tool_call_id: str(item.call_id), content: outputText(item.output) });
    else if (item.type === 'message') messages.push(convertMessage(item));
    // reasoning (and other server-side items) have no chat completions form
  }
  const out: Json = { model, messages };
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  if (typeof body.max_output_tokens === 'number') out.max_completion_tokens = body.max_output_tokens;
  for (const k of ['temperature', 'top_p', 'parallel_tool_calls', 'user', 'metadata'] as const) if (body[k] !== undefined && body[k] !== null) out[k] = body[k];
  const tools = convertTools(body.tools, body.tool_choice);
  if (tools) out.tools = tools;
  const choice = convertToolChoice(body.tool_choice);
  if (choice !== undefined && tools) out.tool_choice = choice;
  const format = isObject(body.text) ? convertTextFormat(body.text.format) : undefined;
  if (format) out.response_format = format;
  if (isObject(body.reasoning) && typeof body.reasoning.effort === 'string') out.reasoning_effort = body.reasoning.effort;
  return out;
}

function convertMessage(item: ResponseItem): Json {
  const role = item.role === 'developer' ? 'system' : str(item.role, 'user');
  if (typeof item.content === 'string') return { role, content: item.content };
  const parts: Json[] = [];
  for (const p of Array.isArray(item.content) ? item.content.filter(isObject) : []) {
    if ((p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') && typeof p.text === 'string') parts.push({ type: 'text', text: p.text });
    else if (p.type === 'refusal' && typeof p.refusal === 'string') parts.push({ type: 'text', text: p.refusal });
    else if (p.type === 'input_image' && typeof p.image_url === 'string') parts.push({ type: 'image_url', image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } });
    else if (p.type === 'input_image' || p.type === 'input_file') throw Errors.invalidBody(`Content of type ${p.type} by file id cannot be sent to this model's provider.`, 'input');
  }
  // Assistant and system turns take text only; one text part is sent as a plain string.
  if (role !== 'user' || parts.every((p) => p.type === 'text')) return { role, content: parts.map((p) => p.text as string).join('') };
  return { role, content: parts };
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.filter(isObject).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  return JSON.stringify(output ?? '');
}

function convertTools(tools: unknown, choice: unknown): Json[] | null {
  if (!Array.isArray(tools) || tools.length === 0) return null;
  // A hosted tool (web search, file search, computer use, MCP, a namespace of the client's own…)
  // cannot run on this upstream: it is left out, as a model without it would simply not call
  // it; only forcing it with tool_choice is refused.
  if (isObject(choice) && typeof choice.type === 'string' && choice.type !== 'function') {
    throw Errors.invalidBody(`tool_choice ${choice.type} names a tool hosted by OpenAI, which this model's provider cannot run; only function tools can be forced.`, 'tool_choice');
  }
  const out = tools.filter((t): t is Json => isObject(t) && t.type === 'function').map((t) => {
    const fn: Json = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    if (t.parameters !== undefined && t.parameters !== null) fn.parameters = t.parameters;
    if (typeof t.strict === 'boolean') fn.strict = t.strict;
    return { type: 'function', function: fn };
  });
  return out.length > 0 ? out : null;
}

function convertToolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') return choice;
  if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  return undefined;
}

function convertTextFormat(format: unknown): Json | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_schema') {
    const schema: Json = { name: format.name ?? 'response', schema: format.schema };
    if (typeof format.strict === 'boolean') schema.strict = format.strict;
    if (typeof format.description === 'string') schema.description = format.description;
    return { type: 'json_schema', json_schema: schema };
  }
  if (format.type === 'json_object') return { type: 'json_object' };
  return undefined;
}
