import type { RegistryCache } from '../cache/registry-cache.js';
import { authenticate } from './authenticate.js';
import type { RequestContext } from './context.js';
import { finish } from './finish.js';
import { forward, type ForwardDeps } from './forward.js';
import { parseBody } from './parse-body.js';
import { resolveModel } from './resolve-model.js';
import { respondError } from './respond-error.js';

export interface PipelineDeps extends ForwardDeps {
  cache: RegistryCache;
  /** Sets up the accounting of an authenticated request: its usage is recorded when it is over, refused or served. */
  account(ctx: RequestContext): void;
  /** Limits and budgets; throws a 429 GatewayError to refuse. */
  admit(ctx: RequestContext): Promise<void> | void;
  /** Called last, after every onFinish hook: metrics and the access log (observability). */
  onRequestEnd?(ctx: RequestContext): void;
}

/**
 * The request pipeline, top to bottom. Authentication runs before the body is parsed, so
 * an unauthenticated client never makes the gateway parse its JSON.
 */
export async function runPipeline(ctx: RequestContext, deps: PipelineDeps): Promise<void> {
  try {
    await authenticate(ctx, deps.cache);
    deps.account(ctx);
    parseBody(ctx);
    await resolveModel(ctx, deps.cache);
    await deps.admit(ctx);
    await forward(ctx, deps);
  } catch (e) {
    respondError(ctx, e);
  } finally {
    finish(ctx, deps.onRequestEnd);
  }
}
