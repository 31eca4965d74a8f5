import { Errors } from '../errors/catalog.js';
import { normalizeInput } from '../formats/openai-responses/types.js';
import type { ConversationRecord, RequestContext } from '../request-context.js';
import type { ResponseStore } from './response-store.js';

/**
 * Items replayed upstream. A reasoning item without `encrypted_content` only means something to
 * the upstream that stored it (OpenAI looks it up by id), so it is left out of a replay.
 */
const replayable = (it: Record<string, unknown>): boolean => it.type !== 'reasoning' || typeof it.encrypted_content === 'string';

/**
 * Stage (POST /v1/responses only): a `previous_response_id` is resolved by the gateway, not the
 * upstream. The conversation it names (this connection's memory in WebSocket mode, else the
 * response store in Redis, shared by every pod) is put in front of the request's `input`, and
 * the field is removed: the upstream, whichever pod or provider serves it, gets the whole
 * conversation. A response of another key is "not found". One the gateway never kept is left
 * in the body, for passUnknownPreviousResponse to decide once the targets are known.
 * Returns the conversation before this request's output, and this request's own input items.
 */
export async function expandPreviousResponse(ctx: RequestContext, store: ResponseStore): Promise<{ conversation: ConversationRecord['items']; input: ConversationRecord['items'] }> {
  const body = ctx.body!;
  const input = normalizeInput(body.input);
  const prevId = body.previous_response_id;
  if (prevId === undefined || prevId === null) return { conversation: input, input };
  if (typeof prevId !== 'string' || prevId === '') throw Errors.invalidBody('previous_response_id must be a response id string', 'previous_response_id');
  const keyId = ctx.key!.id;
  let items = ctx.res.connection?.responses.get(prevId)?.keyId === keyId ? ctx.res.connection.responses.get(prevId)!.items : null;
  if (!items) {
    let rec;
    try {
      rec = await store.get(prevId);
    } catch {
      throw Errors.storeUnavailable();
    }
    if (!rec) {
      // Not ours: maybe the upstream's own (see passUnknownPreviousResponse); the body stays as sent.
      ctx.upstreamPreviousResponse = prevId;
      return { conversation: input, input };
    }
    if (rec.keyId !== keyId) throw Errors.previousResponseNotFound(prevId);
    if ('tooLarge' in rec) throw Errors.previousResponseTooLarge(prevId, store.opts.maxBytes);
    items = rec.items;
  }
  const replay = items.filter(replayable);
  const { previous_response_id: _dropped, ...rest } = body;
  const expanded = { ...rest, input: [...replay, ...input] };
  ctx.body = expanded;
  // The upstream gets this body, not the client's bytes (build-request sends req.body as is when nothing else changes).
  ctx.req.body = Buffer.from(JSON.stringify(expanded));
  return { conversation: [...items, ...input], input };
}
