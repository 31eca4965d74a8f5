import { isObject, newId, str, type Json, type ResponseItem } from './types.js';

/** A chat completions usage object in the Responses API's shape. */
export function convertChatUsage(u: unknown): Json | null {
  if (!isObject(u)) return null;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const pd = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const cd = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {};
  const input = n(u.prompt_tokens);
  const output = n(u.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: n(pd.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: n(cd.reasoning_tokens) },
    total_tokens: n(u.total_tokens) || input + output,
  };
}

/** The `status` and `incomplete_details` of a response from the chat finish reason. */
export function mapFinishReason(finish: unknown): { status: 'completed' | 'incomplete'; incomplete_details: Json | null } {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

export interface ResponseFacts {
  id: string;
  createdAt: number;
  model: string;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  output: ResponseItem[];
  usage: Json | null;
  incompleteDetails?: Json | null;
  error?: Json | null;
}

/** A whole Response object; the request's settings echoed as OpenAI does. */
export function buildResponse(f: ResponseFacts, request: Json | null): Json {
  const r = request ?? {};
  return {
    id: f.id,
    object: 'response',
    created_at: f.createdAt,
    status: f.status,
    error: f.error ?? null,
    incomplete_details: f.incompleteDetails ?? null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: f.model,
    output: f.output,
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: r.previous_response_id ?? null,
    reasoning: r.reasoning ?? { effort: null, summary: null },
    store: r.store ?? true,
    temperature: r.temperature ?? 1,
    text: r.text ?? { format: { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: r.tools ?? [],
    top_p: r.top_p ?? 1,
    truncation: r.truncation ?? 'disabled',
    usage: f.usage,
    user: r.user ?? null,
    metadata: r.metadata ?? {},
  };
}

/** A finished assistant text as a `message` output item. */
export const messageItem = (id: string, text: string, status = 'completed'): ResponseItem => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});

export const functionCallItem = (id: string, callId: string, name: string, args: string, status = 'completed'): ResponseItem => ({
  type: 'function_call',
  id,
  call_id: callId,
  name,
  arguments: args,
  status,
});

export const reasoningItem = (id: string, text: string): ResponseItem => ({ type: 'reasoning', id, summary: text ? [{ type: 'summary_text', text }] : [] });

/** A chat completion (non-stream) as a Response object. */
export function convertChatResponseToResponses(j: Json, publicModel: string, request: Json | null): Json {
  const choice = Array.isArray(j.choices) && isObject(j.choices[0]) ? j.choices[0] : {};
  const msg = isObject(choice.message) ? choice.message : {};
  const output: ResponseItem[] = [];
  if (typeof msg.reasoning_content === 'string' && msg.reasoning_content) output.push(reasoningItem(newId('rs_'), msg.reasoning_content));
  const text = typeof msg.content === 'string' ? msg.content : '';
  if (text || !Array.isArray(msg.tool_calls) || msg.tool_calls.length === 0) output.push(messageItem(newId('msg_'), text));
  for (const c of Array.isArray(msg.tool_calls) ? msg.tool_calls.filter(isObject) : []) {
    const fn = isObject(c.function) ? c.function : {};
    output.push(functionCallItem(newId('fc_'), str(c.id) || newId('call_'), str(fn.name), str(fn.arguments)));
  }
  const { status, incomplete_details } = mapFinishReason(choice.finish_reason);
  const created = typeof j.created === 'number' ? j.created : Math.floor(Date.now() / 1000);
  return buildResponse({ id: newId('resp_'), createdAt: created, model: publicModel, status, output, usage: convertChatUsage(j.usage), incompleteDetails: incomplete_details }, request);
}
