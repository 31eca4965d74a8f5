/**
 * CORS for browser clients (`GW_CORS_ORIGINS`), built once at boot: the headers every answer
 * carries, chosen per request from its `Origin`, and the answer to a preflight. Plain data, no
 * uWS: the listener adds `headersFor` to every response it writes (errors, streams and its own
 * 413/408 included), the app answers preflights (`OPTIONS` with `Access-Control-Request-Method`).
 */

/** Which origins may read the gateway's answers: any (`*`) or exactly these (`https://app.example.com`). */
export type CorsOrigins = '*' | readonly string[];

export interface Cors {
  /** Headers for every answer to a request from `origin` (null: none to add). */
  headersFor(origin: string | undefined): Readonly<Record<string, string>> | null;
  /** May a page of `origin` call the gateway? */
  allows(origin: string | undefined): boolean;
  /** The headers of a preflight's answer (an allowed origin): methods, request headers, max age. */
  preflight(requestHeaders: Readonly<Record<string, string>>): Record<string, string>;
}

/** Methods of the API (GET: models; POST: the rest). */
const ALLOW_METHODS = 'GET, POST, OPTIONS';
/** How long a browser may cache a preflight: Chrome's maximum (Firefox allows a day). */
const MAX_AGE_S = '7200';

/**
 * Request headers a page may send: the gateway key's three places, and what the OpenAI,
 * Anthropic and Google SDKs add in a browser (plus every `x-stainless-*`, see allowedHeader).
 */
const ALLOW_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'content-type',
  'accept',
  'x-request-id',
  'idempotency-key',
  'openai-beta',
  'openai-organization',
  'openai-project',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
  'x-goog-api-key',
  'x-goog-api-client',
]);

/** Response headers a page may read besides the CORS-safelisted ones. */
const EXPOSE_HEADERS = [
  'x-request-id',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'retry-after',
  'retry-after-ms',
  'x-gateway-provider',
  'x-gateway-upstream-model',
  'x-gateway-attempts',
  'openai-processing-ms',
  'content-disposition',
  'request-id',
].join(', ');

/** The OpenAI and Anthropic SDKs (Stainless-generated) send `x-stainless-os`, `-lang`, `-retry-count`, `-timeout`, … */
function allowedHeader(name: string): boolean {
  return ALLOW_HEADERS.has(name) || name.startsWith('x-stainless-');
}

export function createCors(origins: CorsOrigins): Cors {
  const any = origins === '*';
  const listed = new Set(any ? [] : origins);
  // One frozen object per allowed origin (and one for the others), so a request only picks one.
  const forAny = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSE_HEADERS });
  // With a list the answer depends on Origin: caches must keep one copy per origin.
  const forOthers = Object.freeze({ vary: 'Origin' });
  const byOrigin = new Map([...listed].map((o) => [o, Object.freeze({ 'access-control-allow-origin': o, vary: 'Origin', 'access-control-expose-headers': EXPOSE_HEADERS })]));

  return {
    headersFor(origin) {
      if (any) return forAny;
      return (origin !== undefined && byOrigin.get(origin)) || forOthers;
    },
    allows(origin) {
      return origin !== undefined && (any || listed.has(origin));
    },
    preflight(h) {
      const asked = (h['access-control-request-headers'] ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(allowedHeader);
      const out: Record<string, string> = { 'access-control-allow-methods': ALLOW_METHODS, 'access-control-max-age': MAX_AGE_S };
      // Only what was asked and is allowed: a header left out makes the browser name it in its error.
      if (asked.length > 0) out['access-control-allow-headers'] = [...new Set(asked)].join(', ');
      return out;
    },
  };
}
