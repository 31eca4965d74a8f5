import { buildAnswer, countPromptTokens } from './content.js';
import { answerModel, nowSeconds, type FakeRequest, type Handler } from './reply.js';
import { eventFrame, type Frame } from './sse.js';
import type { Behaviour } from './types.js';

/**
 * The Responses API streamed, as OpenAI frames it: `event: <type>` + `data: {type, sequence_number, …}`.
 * response.created / in_progress, one output item (a message's output_text deltas, or a
 * function call's argument deltas), then response.completed with the whole response and usage.
 */
export const responsesStream: Handler = (req, b, ctx) => {
  const a = buildAnswer(b, 'call_');
  let seq = 0;
  const frames: Frame[] = [];
  const ev = (type: string, fields: Record<string, unknown>, content = false) => frames.push(eventFrame(type, JSON.stringify({ type, sequence_number: seq++, ...fields }), content));
  const id = `resp_fake${req.seq}`;
  const base = responseBase(req, b, id, answerModel(req, b, ctx));
  ev('response.created', { response: { ...base, status: 'in_progress', output: [], usage: null } });
  ev('response.in_progress', { response: { ...base, status: 'in_progress', output: [], usage: null } });
  let item: Record<string, unknown>;
  if (a.tool) {
    const itemId = `fc_fake${req.seq}`;
    item = { type: 'function_call', id: itemId, call_id: a.tool.id, name: a.tool.name, arguments: a.tool.arguments, status: 'completed' };
    ev('response.output_item.added', { output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } });
    for (const p of a.pieces) ev('response.function_call_arguments.delta', { item_id: itemId, output_index: 0, delta: p }, true);
    ev('response.function_call_arguments.done', { item_id: itemId, output_index: 0, name: a.tool.name, arguments: a.tool.arguments });
  } else {
    const itemId = `msg_fake${req.seq}`;
    const part = { type: 'output_text', text: a.text, annotations: [] };
    item = { type: 'message', id: itemId, status: 'completed', role: 'assistant', content: [part] };
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    ev('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part: { ...part, text: '' } });
    for (const p of a.pieces) ev('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta: p, logprobs: [] }, true);
    ev('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text: a.text, logprobs: [] });
    ev('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part });
  }
  ev('response.output_item.done', { output_index: 0, item });
  ev('response.completed', { response: { ...base, status: 'completed', output: [item], usage: responsesUsage(req, b, a.completionTokens) } });
  return { kind: 'stream', frames, errorFrame: (data) => eventFrame('error', data) };
};

function responseBase(req: FakeRequest, _b: Behaviour, id: string, model: string): Record<string, unknown> {
  return {
    id, object: 'response', created_at: nowSeconds(), error: null, incomplete_details: null,
    instructions: req.json?.instructions ?? null, max_output_tokens: req.json?.max_output_tokens ?? null, model,
    parallel_tool_calls: true, previous_response_id: req.json?.previous_response_id ?? null, temperature: 1, tool_choice: 'auto', tools: [], top_p: 1,
  };
}

function responsesUsage(req: FakeRequest, b: Behaviour, completion: number): Record<string, unknown> | null {
  if (b.noUsage || b.usage === false) return null;
  const input = b.promptTokens ?? countPromptTokens(req.json);
  return { input_tokens: input, input_tokens_details: { cached_tokens: b.cachedTokens ?? 0 }, output_tokens: completion, output_tokens_details: { reasoning_tokens: b.reasoningTokens ?? 0 }, total_tokens: input + completion };
}
