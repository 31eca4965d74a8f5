import { errorBody, type GatewayError } from '../errors.js';
import { isObject } from './types.js';

/** Which API shape a client speaks (its errors are rendered in that shape). */
export type ApiFormat = 'openai' | 'anthropic';

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

function anthropicErrorType(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function anthropicBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/** A gateway error as `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(err: GatewayError): string {
  return anthropicBody(anthropicErrorType(err.status), err.message);
}

/** A gateway error in the client's own format. */
export function renderErrorBody(format: ApiFormat | undefined, err: GatewayError): string {
  return format === 'anthropic' ? anthropicErrorBody(err) : errorBody(err);
}

/** The SSE event that ends a client's stream with an error, in the client's format. */
export function streamErrorEvent(format: ApiFormat | undefined, err: GatewayError): string {
  return format === 'anthropic' ? `event: error\ndata: ${anthropicErrorBody(err)}\n\n` : `data: ${errorBody(err)}\n\n`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A readable message from a body that did not parse: the text itself, kept short. */
function fallbackMessage(status: number, text: string): string {
  const t = text.trim();
  return t ? t.slice(0, 500) : `The upstream provider answered ${status}.`;
}

/** An OpenAI-shaped upstream error body (or any text) as an Anthropic error body. */
export function convertOpenaiErrorToAnthropic(status: number, text: string): string {
  const j = parse(text);
  const e = isObject(j) && isObject(j.error) ? j.error : null;
  const message = e && typeof e.message === 'string' ? e.message : fallbackMessage(status, text);
  return anthropicBody(anthropicErrorType(status), message);
}

/** An Anthropic-shaped upstream error body (or any text) as an OpenAI error body. */
export function convertAnthropicErrorToOpenai(status: number, text: string): string {
  const j = parse(text);
  const e = isObject(j) && isObject(j.error) ? j.error : null;
  const message = e && typeof e.message === 'string' ? e.message : fallbackMessage(status, text);
  const code = e && typeof e.type === 'string' ? e.type : anthropicErrorType(status);
  return JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code } });
}

/** An Anthropic `error` event's data (`{"type":"error","error":{…}}`) as an OpenAI stream error chunk. */
export function anthropicErrorEventToOpenai(data: string): string {
  return `data: ${convertAnthropicErrorToOpenai(500, data)}\n\n`;
}

/** An OpenAI in-stream error object as an Anthropic `error` event. */
export function openaiErrorChunkToAnthropic(error: unknown): string {
  const message = isObject(error) && typeof error.message === 'string' ? error.message : 'The upstream provider failed mid-stream.';
  return `event: error\ndata: ${anthropicBody('api_error', message)}\n\n`;
}
