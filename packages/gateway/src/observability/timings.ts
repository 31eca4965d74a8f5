import type { RequestContext } from '../request-context.js';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** `2xx`, `4xx`, … for a status; anything outside 100–599 (0: nothing answered) is `5xx`. */
export function statusClass(status: number): string {
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? CLASSES[c - 1]! : '5xx';
}

/** Upstream time to first byte in ms (dispatch of the first attempt → headers of the last); null if no headers came. */
export function upstreamTtfbMs(ctx: RequestContext): number | null {
  return ctx.tUpstreamStart > 0 && ctx.tFirstByte >= ctx.tUpstreamStart ? ctx.tFirstByte - ctx.tUpstreamStart : null;
}

/**
 * Time spent in the gateway itself, in ms, for a request that was sent upstream (null
 * otherwise): request arrival → first upstream dispatch, plus, when the response was not
 * streamed, upstream response end → request finished (buffered relay: usage extraction,
 * model rewrite, write to the client). A streamed relay interleaves with upstream time and
 * is left out.
 */
export function gatewayOverheadMs(ctx: RequestContext): number | null {
  if (ctx.tUpstreamStart <= 0) return null;
  let ms = ctx.tUpstreamStart - ctx.t0;
  if (!ctx.stream && ctx.tUpstreamEnd > 0 && ctx.tEnd >= ctx.tUpstreamEnd) ms += ctx.tEnd - ctx.tUpstreamEnd;
  return ms;
}
