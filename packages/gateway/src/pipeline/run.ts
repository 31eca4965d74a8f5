import type { RegistryCache } from '../cache/registry-cache.js';
import { serveMcp, type McpDeps } from '../mcp/serve.js';
import { respondError } from '../relay/respond.js';
import type { RequestContext } from '../request-context.js';
import { authenticate } from './authenticate.js';
import { finish } from './finish.js';
import { forward, type ForwardDeps } from './forward.js';
import { listModels } from './list-models.js';
import { parseBody } from './parse-body.js';
import { resolveModel } from './resolve-model.js';
import { answerStoredResponse } from './stored-responses.js';
import { answerWarmup } from '../responses/answer-warmup.js';
import { passUnknownPreviousResponse } from '../responses/pass-unknown-previous-response.js';
import { prepareResponsesRequest } from '../responses/prepare-responses-request.js';
import type { ResponseStore } from '../responses/response-store.js';

export interface PipelineDeps extends ForwardDeps {
  cache: RegistryCache;
  /** Sets up the accounting of an authenticated request: its usage is recorded when it is over, refused or served. */
  account(ctx: RequestContext): void;
  /** Limits and budgets; throws a 429 GatewayError to refuse. */
  admit(ctx: RequestContext): Promise<void> | void;
  /** Stored Responses API responses (Redis): `previous_response_id`, GET/DELETE /v1/responses/{id}. */
  responses: ResponseStore;
  /** Called last, after every onFinish hook: metrics and the access log (observability). */
  onRequestEnd?(ctx: RequestContext): void;
  /** Called when the request's context is made, before any stage: its trace starts (observability). */
  onRequestStart?(ctx: RequestContext): void;
  /** The MCP endpoint (mcp/); absent: /mcp is not served. */
  mcp?: McpDeps;
}

/**
 * The request pipeline, every stage in order (docs/architecture.md walks through them).
 * Authentication runs before the body is parsed, so an unauthenticated client never makes the
 * gateway parse its JSON. Whatever fails becomes one error answer in the client's API shape;
 * whatever happens, `finish` runs the accounting and the observability hooks.
 */
export async function runPipeline(ctx: RequestContext, deps: PipelineDeps): Promise<void> {
  // A stage returns a promise only when it has to wait (a registry read, Redis, the upstream):
  // `if (p) await p` keeps a request whose records are cached from yielding at every stage.
  let p: Promise<void> | void;
  try {
    if (ctx.endpoint.kind === 'mcp') return await serveMcp(ctx, deps.mcp!); // MCP: its own auth, sessions, grants, governed tool calls (mcp/serve.ts)
    if ((p = authenticate(ctx, deps.cache))) await p; // auth: the gateway key (pipeline/authenticate.ts)
    if (ctx.endpoint.kind === 'models') return await listModels(ctx, deps.cache); // answered from the registry
    if (ctx.endpoint.kind === 'stored') return await answerStoredResponse(ctx, deps.responses); // a stored response, from Redis
    deps.account(ctx); // account: the usage of this request is recorded when it is over (governance/)
    parseBody(ctx); // the JSON body and the model it names
    if ((p = prepareResponsesRequest(ctx, deps.responses))) await p; // /responses: previous_response_id replayed, the answer kept (responses/)
    if ((p = resolveModel(ctx, deps.cache))) await p; // route: the model, and the targets the key may reach that serve the endpoint
    passUnknownPreviousResponse(ctx); // /responses: an unknown previous_response_id only to native Responses targets (responses/)
    if (answerWarmup(ctx)) return; // /responses with generate: false: no model runs (responses/)
    if ((p = deps.admit(ctx))) await p; // admit: limits and budgets, the request's cost reserved (governance/)
    await forward(ctx, deps); // attempt/failover (pipeline/forward.ts); the answer relayed as it comes (relay/)
  } catch (e) {
    respondError(ctx, e); // relay/respond.ts, errors/render.ts
  } finally {
    finish(ctx, deps.onRequestEnd); // accounting hooks, then metrics and the access log
  }
}
