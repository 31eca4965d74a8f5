import { performance } from 'node:perf_hooks'; // the binding: the global is an accessor called on every use
import type { RequestContext } from '../request-context.js';

/**
 * Runs once per request when it is over: the stages' onFinish hooks, then `end` (metrics and
 * the access line), which thus sees final usage and cost.
 */
export function finish(ctx: RequestContext, end?: (ctx: RequestContext) => void): void {
  ctx.tEnd = performance.now();
  for (const hook of ctx.onFinish) {
    try {
      hook(ctx);
    } catch (e) {
      ctx.log.error({ err: e }, 'onFinish hook failed');
    }
  }
  if (!end) return;
  try {
    end(ctx);
  } catch (e) {
    ctx.log.error({ err: e }, 'request end hook failed');
  }
}
