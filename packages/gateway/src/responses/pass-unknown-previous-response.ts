import { Errors } from '../errors/catalog.js';
import { codecFor } from '../providers/index.js';
import type { RequestContext } from '../request-context.js';

/**
 * Stage (POST /v1/responses, after the targets are resolved): a `previous_response_id` the
 * gateway never kept may be the upstream's own (the client created it at OpenAI directly, or
 * through another gateway). Only a target that relays the Responses API as it is (an `openai`
 * provider with its native Responses API) can resolve it: the request goes to those targets
 * unchanged, the others are left out. No such target: 400 `previous_response_not_found`, as before.
 */
export function passUnknownPreviousResponse(ctx: RequestContext): void {
  const id = ctx.upstreamPreviousResponse;
  if (id === undefined) return;
  const native = ctx.targets.filter((t) => codecFor(ctx.endpoint, t.provider) === null);
  if (native.length === 0) throw Errors.previousResponseNotFound(id);
  ctx.targets = native;
}
