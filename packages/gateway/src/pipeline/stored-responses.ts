import { Errors } from '../errors/catalog.js';
import { respondJson } from '../relay/respond.js';
import type { RequestContext } from '../request-context.js';
import type { ResponseStore } from '../responses/response-store.js';

const STORED_PATH = /\/responses\/([A-Za-z0-9_-]+)(\/input_items)?$/;

/**
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`:
 * answered from the response store. Only the key that created a response sees it; for any other
 * it does not exist (404, as an unknown or expired one).
 */
export async function answerStoredResponse(ctx: RequestContext, store: ResponseStore): Promise<void> {
  const m = STORED_PATH.exec(ctx.req.path)!;
  const id = m[1]!;
  let rec;
  try {
    rec = await store.get(id);
  } catch {
    throw Errors.storeUnavailable();
  }
  if (!rec || rec.keyId !== ctx.key!.id || 'tooLarge' in rec) throw Errors.responseNotFound(id);
  if (ctx.req.method === 'DELETE') {
    await store.delete(id).catch(() => {
      throw Errors.storeUnavailable();
    });
    return respondJson(ctx, 200, JSON.stringify({ id, object: 'response', deleted: true }));
  }
  if (!m[2]) return respondJson(ctx, 200, JSON.stringify(rec.response));
  const data = rec.inputItems.map((it, i) => ({ id: typeof it.id === 'string' ? it.id : `${id}_in${i}`, ...it }));
  const order = new URLSearchParams(ctx.req.query).get('order') === 'asc' ? data : [...data].reverse();
  respondJson(ctx, 200, JSON.stringify({ object: 'list', data: order, first_id: order[0]?.id ?? null, last_id: order.at(-1)?.id ?? null, has_more: false }));
}
