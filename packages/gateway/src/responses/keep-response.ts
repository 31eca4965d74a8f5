import { isObject, type Json } from '../formats/openai-responses/types.js';
import { SseEventSplitter } from '../relay/sse-events.js';
import type { ConversationRecord, RequestContext } from '../request-context.js';
import type { ResponseStore, StoredResponse } from './response-store.js';

/**
 * How many responses a WebSocket connection remembers for `previous_response_id` without the
 * store, besides the newest of each of its streams (`stream_id`), which is always kept.
 */
const CONNECTION_MEMORY = 4;

const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete']);

/**
 * Watch a POST /v1/responses answer as it is relayed and keep its result: in the response
 * store (Redis) unless the client said `store: false`, and in the WebSocket connection's
 * memory. The final response is the JSON body, or the `response.completed` (or
 * `.incomplete`) event of a stream; it is kept before those bytes are written to the client.
 * `conversation` is what came before this response's output (previous items + this input).
 */
export function keepResponse(ctx: RequestContext, store: ResponseStore, conversation: Json[], input: Json[]): void {
  const storeIt = ctx.body?.store !== false;
  const memory = ctx.res.connection;
  if (!storeIt && !memory) return;
  let splitter: SseEventSplitter | null = null;
  let done = false;
  const keep = (response: Json) => {
    done = true;
    if (typeof response.id !== 'string' || !Array.isArray(response.output)) return;
    const items = [...conversation, ...response.output.filter(isObject)];
    if (memory) remember(memory.responses, { id: response.id, keyId: ctx.key!.id, items, lane: ctx.res.lane ?? '' });
    if (!storeIt) return;
    const record: StoredResponse = {
      v: 1,
      id: response.id,
      keyId: ctx.key!.id,
      model: ctx.publicModel,
      provider: ctx.attempts.at(-1)?.provider ?? '',
      upstreamModel: ctx.attempts.at(-1)?.model ?? '',
      createdAt: typeof response.created_at === 'number' ? response.created_at : Math.floor(Date.now() / 1000),
      inputItems: input,
      items,
      response,
    };
    store.put(record);
  };
  ctx.responseTap = (data, sse) => {
    if (done) return;
    if (!sse) {
      try {
        const j: unknown = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
        if (isObject(j) && j.object === 'response') keep(j);
      } catch {
        /* not a response body: nothing to keep */
      }
      return;
    }
    splitter ??= new SseEventSplitter();
    for (const ev of splitter.push(data)) {
      if (!ev.data.includes('"response.')) continue;
      let j: unknown;
      try {
        j = JSON.parse(ev.data);
      } catch {
        continue;
      }
      if (isObject(j) && typeof j.type === 'string' && FINAL_EVENTS.has(j.type) && isObject(j.response)) return keep(j.response);
    }
  };
}

/** Keep `rec` in a connection's memory; forget the oldest beyond the bound, never the newest of a stream. */
function remember(responses: Map<string, ConversationRecord>, rec: ConversationRecord): void {
  responses.set(rec.id, rec);
  if (responses.size <= CONNECTION_MEMORY) return;
  const newestOfLane = new Map<string | undefined, string>();
  for (const r of responses.values()) newestOfLane.set(r.lane, r.id);
  for (const r of responses.values()) {
    if (responses.size <= CONNECTION_MEMORY) break;
    if (newestOfLane.get(r.lane) !== r.id) responses.delete(r.id);
  }
}
