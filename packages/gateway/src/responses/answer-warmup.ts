import { buildResponse } from '../formats/openai-responses/build-response.js';
import { newId } from '../formats/openai-responses/types.js';
import { respondEventStream, respondJson } from '../relay/respond.js';
import { sseEvent } from '../relay/sse-events.js';
import type { RequestContext } from '../request-context.js';

/**
 * `generate: false` (Codex sends one on a new WebSocket to warm the connection up): a
 * completed response with no output, answered by the gateway without calling a model, so no
 * upstream is paid or needed for it, whatever its type. Kept like any response (its id may be
 * continued). Returns whether it answered.
 */
export function answerWarmup(ctx: RequestContext): boolean {
  if (ctx.endpoint.path !== '/responses' || ctx.body?.generate !== false) return false;
  const now = Math.floor(Date.now() / 1000);
  const usage = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
  const response = buildResponse({ id: newId('resp_'), createdAt: now, model: ctx.publicModel, status: 'completed', output: [], usage }, ctx.body);
  ctx.usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
  if (!ctx.stream) {
    const text = JSON.stringify(response);
    ctx.responseTap?.(text, false);
    respondJson(ctx, 200, text);
    return true;
  }
  const text =
    sseEvent('response.created', { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', usage: null } }) +
    sseEvent('response.completed', { type: 'response.completed', sequence_number: 1, response });
  ctx.responseTap?.(text, true);
  respondEventStream(ctx, text);
  return true;
}
