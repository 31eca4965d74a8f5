import { GatewayError } from '../../errors/catalog.js';
import { errorBody } from '../../errors/render.js';
import { isObject, type Json } from '../../formats/anthropic-messages/types.js';

/** What an error body of Google's (`{"error":{"code","message","status","details"}}`) says. */
interface GeminiError {
  message: string | null;
  /** The gRPC status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, …). */
  grpc: string | null;
  /** `details[].reason` of its ErrorInfo (`API_KEY_INVALID`, …). */
  reason: string | null;
  /** `details[].retryDelay` of its RetryInfo, in ms. */
  retryDelayMs: number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** `"34s"`, `"0.5s"` (a protobuf Duration in JSON) in ms. */
function durationMs(v: unknown): number | null {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v) : null;
  return m ? Math.round(Number(m[1]) * 1000) : null;
}

function readError(e: Json): GeminiError {
  const details = Array.isArray(e.details) ? e.details.filter(isObject) : [];
  let reason: string | null = null;
  let retryDelayMs: number | null = null;
  for (const d of details) {
    reason ??= str(d.reason);
    retryDelayMs ??= durationMs(d.retryDelay);
  }
  return { message: str(e.message), grpc: str(e.status), reason, retryDelayMs };
}

/** The error object of a body (a streamed answer without `alt=sse` wraps it in a one-element array). */
function parse(text: string): GeminiError | null {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return null;
  }
  if (Array.isArray(j) && j.length === 1) j = j[0];
  return isObject(j) && isObject(j.error) ? readError(j.error) : null;
}

const isKeyRefused = (e: GeminiError | null): boolean => e?.reason === 'API_KEY_INVALID';

/**
 * A Gemini error body in OpenAI's shape: Google's message, `type` by status, and as `code`
 * the gRPC status in lower case (`invalid_argument`, `resource_exhausted`, `unavailable`, …),
 * or `invalid_api_key` for a key Google does not know (OpenAI's own code for it).
 */
export function mapGeminiError(status: number, text: string): string {
  const e = parse(text);
  const message = e?.message ?? (text.trim().slice(0, 500) || `The upstream provider answered ${status}.`);
  const code = isKeyRefused(e) ? 'invalid_api_key' : (e?.grpc?.toLowerCase() ?? null);
  return errorBody(new GatewayError(status, status >= 500 ? 'server_error' : 'invalid_request_error', code, message));
}

/** A mid-stream `{"error":{…}}` event's data as an OpenAI stream error chunk. */
export function mapGeminiErrorEvent(error: Json, raw: string): string {
  const status = typeof error.code === 'number' && error.code >= 400 && error.code < 600 ? error.code : 500;
  return `data: ${mapGeminiError(status, raw)}\n\n`;
}

/**
 * What a Gemini error answer means beyond its status: a key Google does not know is a 400
 * `INVALID_ARGUMENT` with reason `API_KEY_INVALID`, which is the secret's failure (401 for
 * failover and cooldowns), not the request's; and a 429 gives its wait in the body
 * (`RetryInfo.retryDelay`), never in a Retry-After header.
 */
export function readGeminiErrorFacts(status: number, text: string): { status?: number; retryAfterMs?: number } {
  const e = parse(text);
  if (!e) return {};
  return {
    ...(isKeyRefused(e) && status === 400 ? { status: 401 } : {}),
    ...(e.retryDelayMs !== null ? { retryAfterMs: e.retryDelayMs } : {}),
  };
}
