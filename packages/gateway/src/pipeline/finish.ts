import type { RequestContext } from './context.js';

/** Runs once per proxied request when it is over: the stages' onFinish hooks, then the access log. */
export function finish(ctx: RequestContext): void {
  ctx.tEnd = performance.now();
  for (const hook of ctx.onFinish) {
    try {
      hook(ctx);
    } catch (e) {
      ctx.log.error({ err: e }, 'onFinish hook failed');
    }
  }
}
