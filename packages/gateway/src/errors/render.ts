import type { ApiFormat } from '../request-context.js';
import type { GatewayError } from './catalog.js';

// The one renderer of error bodies: every error the gateway answers itself (before, instead
// of, or in the middle of an upstream's answer) is written by these functions, in the API
// shape the client speaks. Upstream error bodies that pass through are converted by the
// formats (formats/*/convert-errors.ts), never rebuilt here.

/** The OpenAI-shaped error body. */
export function errorBody(e: GatewayError): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

/** Anthropic's error `type` for an HTTP status (the Messages API's own list). */
const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
  503: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** `{"type":"error","error":{"type","message"}}`. */
export function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/** A gateway error as `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(err: GatewayError): string {
  return anthropicError(anthropicErrorType(err.status), err.message);
}

/** A JSON-RPC 2.0 error response (MCP). */
export function jsonRpcErrorBody(id: string | number | null, code: number, message: string, data?: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });
}

/** JSON-RPC's code for a gateway error answered to an MCP client outside any call (HTTP 4xx/5xx): -32000 (server error), the catalog code in `data`. */
const MCP_HTTP_ERROR = -32000;

/** A gateway error in the client's own format. */
export function renderErrorBody(format: ApiFormat | undefined, err: GatewayError): string {
  if (format === 'mcp') return jsonRpcErrorBody(null, MCP_HTTP_ERROR, err.message, { status: err.status, code: err.code });
  return format === 'anthropic' ? anthropicErrorBody(err) : errorBody(err);
}

/** The SSE event that ends a client's stream with an error, in the client's format. */
export function streamErrorEvent(format: ApiFormat | undefined, err: GatewayError): string {
  return format === 'anthropic' ? `event: error\ndata: ${anthropicErrorBody(err)}\n\n` : `data: ${errorBody(err)}\n\n`;
}

/** A Responses API stream's `error` event (`{"type":"error","code","message","param","sequence_number"}`), also a WebSocket mode error message. */
export function responsesErrorEvent(err: GatewayError, sequenceNumber: number): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', code: err.code, message: err.message, param: err.param, sequence_number: sequenceNumber })}\n\n`;
}

/** The gateway's own error as a message on a Responses API WebSocket (`{"type":"error","status",error:{…}}`). */
export function wsErrorMessage(err: GatewayError): string {
  return JSON.stringify({ type: 'error', status: err.status, error: { message: err.message, type: err.type, param: err.param, code: err.code } });
}
