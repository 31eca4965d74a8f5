/**
 * OpenAI's rate-limit response headers, so clients and SDKs that already read them
 * (x-ratelimit-*-requests / -tokens) work unchanged against the gateway.
 */

/** Whole milliseconds as seconds, without trailing zeros: 1500 → `1.5`, 2000 → `2`, 1005 → `1.005`. */
function seconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  let frac = ms - s * 1000;
  if (frac === 0) return String(s);
  let digits = 3;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  // Integer arithmetic: no toFixed and no Number() round trip on every request.
  return `${s}.${String(frac).padStart(digits, '0')}`;
}

/** A duration the way OpenAI writes it: `20ms`, `1.5s`, `6m0s`. */
export function formatResetDuration(ms: number): string {
  const v = Math.max(0, Math.round(ms));
  if (v < 1000) return `${v}ms`;
  if (v < 60_000) return `${seconds(v)}s`;
  const m = Math.floor(v / 60_000);
  return `${m}m${seconds(v - m * 60_000)}s`;
}

/** The state of one window after an admission (`remaining` already counts this request). */
export interface WindowState {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** Write the header set of the windows the key has into `out`. */
export function setRateLimitHeaders(out: Record<string, string>, requests: WindowState | null, tokens: WindowState | null): void {
  if (requests) {
    out['x-ratelimit-limit-requests'] = String(requests.limit);
    out['x-ratelimit-remaining-requests'] = String(Math.max(0, requests.remaining));
    out['x-ratelimit-reset-requests'] = formatResetDuration(requests.resetMs);
  }
  if (tokens) {
    out['x-ratelimit-limit-tokens'] = String(tokens.limit);
    out['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens.remaining));
    // The two windows mostly reset together (one key, one window): formatted once then.
    out['x-ratelimit-reset-tokens'] = requests && requests.resetMs === tokens.resetMs ? out['x-ratelimit-reset-requests']! : formatResetDuration(tokens.resetMs);
  }
}

/** `Retry-After` (whole seconds, at least 1) and `retry-after-ms` (read by the OpenAI SDKs). */
export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.max(1, Math.round(ms))) };
}
