import { GatewayError } from '../../errors/catalog.js';
import { anthropicError as anthropicBody, anthropicErrorType, errorBody } from '../../errors/render.js';
import { isObject } from './types.js';

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
  return errorBody(new GatewayError(status, status >= 500 ? 'server_error' : 'invalid_request_error', code, message));
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
