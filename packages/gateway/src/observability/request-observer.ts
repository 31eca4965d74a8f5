import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import { writeAccessLog, writeRefusedAccessLog, type RefusedRequest } from './access-log.js';
import type { GatewayMetrics } from './metrics.js';
import type { RequestTracer } from './request-tracer.js';

/** What the app calls when an API request is over, and when it refuses one without a context. */
export interface RequestObserver {
  /** When an API request's context is made (its trace starts, when traces are on). */
  onRequestStart?(ctx: RequestContext): void;
  /** After every onFinish hook of the request (cost and usage are final): metrics, then the access line. */
  onRequestEnd(ctx: RequestContext): void;
  /** A request refused before it had a context (unknown route → endpoint `other`, wrong method, draining). */
  onRefused(endpoint: string, status: number): void;
  /** A request the listener refused before it had a context (413 too large, 408 too slow, a refused WebSocket upgrade): counted as `onRefused` with its reason, and its access line. */
  onBodyRefused(r: RefusedRequest): void;
}

/** The observer with the request's trace around it: started first, its spans queued last. */
export function withTracer(o: RequestObserver, tracer: RequestTracer | null): RequestObserver {
  if (!tracer) return o;
  return {
    ...o,
    onRequestStart: (ctx) => tracer.start(ctx),
    onRequestEnd(ctx) {
      o.onRequestEnd(ctx);
      tracer.end(ctx);
    },
  };
}

/** Metrics (when an admin listener exports them) and the access log (written with `accessLog`). */
export function createRequestObserver(metrics: GatewayMetrics | null, accessLog: Logger): RequestObserver {
  if (!metrics) {
    return { onRequestEnd: (ctx) => writeAccessLog(accessLog, ctx), onRefused: () => {}, onBodyRefused: (r) => writeRefusedAccessLog(accessLog, r) };
  }
  return {
    onRequestEnd(ctx) {
      metrics.observeRequest(ctx);
      writeAccessLog(accessLog, ctx);
    },
    onRefused: (endpoint, status) => metrics.observeRefused(endpoint, status),
    onBodyRefused(r) {
      metrics.observeRefused(r.endpoint, r.err.status, r.err.code);
      writeRefusedAccessLog(accessLog, r);
    },
  };
}
