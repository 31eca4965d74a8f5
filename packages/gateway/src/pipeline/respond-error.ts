import { renderErrorBody } from '../anthropic/anthropic-errors.js';
import { toGatewayError } from '../errors.js';
import type { RequestContext } from './context.js';

/** The one error boundary: any failure becomes an error response in the client's API shape (OpenAI or Anthropic). */
export function respondError(ctx: RequestContext, e: unknown): void {
  const err = toGatewayError(e);
  if (err.status >= 500 && err.code === 'internal_error') ctx.log.error({ err: e }, 'request failed');
  ctx.error = err.message;
  ctx.errorCode = err.code;
  if (ctx.res.headersSent || ctx.res.aborted) return;
  ctx.status = err.status;
  ctx.res.send(err.status, { 'content-type': 'application/json', 'x-request-id': ctx.id, ...ctx.responseHeaders, ...err.headers }, renderErrorBody(ctx.endpoint.format, err));
}
