import { toGatewayError } from '../errors/catalog.js';
import { renderErrorBody } from '../errors/render.js';
import type { RequestContext, ResponseSink } from '../request-context.js';

// Whole responses (not relayed from an upstream as it streams): the gateway's own answers,
// errors in the client's API shape, and an upstream's error answer after failover gave up.
// Together with relay-attempt.ts (responses relayed as they arrive) this is everything that
// writes to a client.

const JSON_CT = 'application/json';

/** A JSON answer to a request that has no context (health, a refusal before routing); `requestIdToo`: also as `request-id` (Anthropic's name). */
export function sendPlainJson(res: ResponseSink, status: number, id: string, body: string, requestIdToo = false): void {
  res.send(status, requestIdToo ? { 'content-type': JSON_CT, 'x-request-id': id, 'request-id': id } : { 'content-type': JSON_CT, 'x-request-id': id }, body);
}

/** The answer to an allowed CORS preflight: no body, the preflight's headers. */
export function sendPreflight(res: ResponseSink, id: string, headers: Record<string, string>): void {
  res.send(204, { ...headers, 'x-request-id': id }, '');
}

/** A JSON answer of the gateway's own (the models list, count_tokens estimated locally). */
export function respondJson(ctx: RequestContext, status: number, body: string): void {
  if (ctx.res.aborted) return;
  ctx.status = status;
  ctx.res.send(status, { 'content-type': JSON_CT, 'x-request-id': ctx.id, ...ctx.responseHeaders }, body);
}

/** The one error boundary: any failure becomes an error response in the client's API shape (OpenAI or Anthropic). */
export function respondError(ctx: RequestContext, e: unknown): void {
  const err = toGatewayError(e);
  if (err.status >= 500 && err.code === 'internal_error') ctx.log.error({ err: e }, 'request failed');
  ctx.error = err.message;
  ctx.errorCode = err.code;
  if (ctx.res.headersSent || ctx.res.aborted) return;
  ctx.status = err.status;
  ctx.res.send(err.status, { 'content-type': JSON_CT, 'x-request-id': ctx.id, ...ctx.responseHeaders, ...err.headers }, renderErrorBody(ctx.endpoint.format, err));
}

/** An upstream's error answer, passed on after failover gave up (its body already scrubbed and converted to the client's API). */
export function respondUpstreamError(ctx: RequestContext, a: { status: number; body: Buffer; contentType?: string; retryAfterMs?: number; error: { message: string; code: string | null } }): void {
  ctx.status = a.status;
  ctx.error = a.error.message;
  ctx.errorCode = a.error.code;
  if (ctx.res.aborted) return;
  const headers: Record<string, string> = { 'content-type': a.contentType ?? JSON_CT, 'x-request-id': ctx.id, ...ctx.responseHeaders };
  if (a.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(a.retryAfterMs / 1000));
  ctx.res.send(a.status, headers, a.body);
}

/** A whole SSE stream of the gateway's own (a Responses warm-up answered without a model). */
export function respondEventStream(ctx: RequestContext, text: string): void {
  if (ctx.res.aborted) return;
  ctx.status = 200;
  ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': ctx.id, ...ctx.responseHeaders });
  ctx.res.write(text);
  ctx.res.end();
}
