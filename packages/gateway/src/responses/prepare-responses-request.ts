import type { RequestContext } from '../request-context.js';
import { expandPreviousResponse } from './expand-previous-response.js';
import { keepResponse } from './keep-response.js';
import type { ResponseStore } from './response-store.js';

/**
 * Stage of POST /v1/responses, after the body is parsed: `previous_response_id` resolved into
 * the input (any pod, any provider), and the answer kept when it comes (`store`, WebSocket
 * connection memory). Other endpoints: nothing.
 */
export function prepareResponsesRequest(ctx: RequestContext, store: ResponseStore): Promise<void> | void {
  if (ctx.endpoint.path !== '/responses' || !ctx.body) return;
  return prepare(ctx, store);
}

async function prepare(ctx: RequestContext, store: ResponseStore): Promise<void> {
  const { conversation, input } = await expandPreviousResponse(ctx, store);
  // A continuation of the upstream's own chain: the gateway does not have the conversation, so it
  // keeps nothing (a partial record would replay a truncated conversation elsewhere); the
  // follow-ups go to the upstream the same way.
  if (ctx.upstreamPreviousResponse === undefined) keepResponse(ctx, store, conversation, input);
}
