import type { RequestContext } from '../request-context.js';

// The writer of the MCP endpoint's own answers (JSON-RPC responses, 202 for notifications),
// over the same ResponseSink as relay/respond.ts; HTTP-level errors (401, 405, 400 before any
// message) go through relay/respond.ts's respondError like every other endpoint's.

const JSON_CT = 'application/json';

/** A JSON-RPC answer (`body`), with extra headers (Mcp-Session-Id). */
export function sendMcpJson(ctx: RequestContext, httpStatus: number, body: string, headers: Record<string, string> = {}): void {
  if (ctx.res.aborted) return;
  ctx.res.send(httpStatus, { 'content-type': JSON_CT, 'x-request-id': ctx.id, ...ctx.responseHeaders, ...headers }, body);
}

/** 202 Accepted, no body: what a notification or a client's response gets. */
export function sendMcpAccepted(ctx: RequestContext): void {
  if (ctx.res.aborted) return;
  ctx.status = 202;
  ctx.res.send(202, { 'x-request-id': ctx.id, ...ctx.responseHeaders }, '');
}
