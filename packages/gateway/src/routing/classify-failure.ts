import type { Endpoint } from '../api/endpoints.js';
import type { Target } from '../request-context.js';
import type { AttemptOutcome } from '../relay/relay-attempt.js';
import type { FailureInput } from './cooldown-rules.js';
import { notFoundIsMisconfiguration, notFoundLine, refusedLine, upstreamPath } from './misconfiguration.js';

type Failed = Extract<AttemptOutcome, { kind: 'failed' }>;

/** What a failed attempt says about where to go next and whose health suffers. */
export type FailureClass =
  /**
   * Caused by the request (400, 422, a 404 about an object the request names, …), or by the
   * gateway itself (its drain deadline cut the call: `shutting_down`): goes back to the client
   * as is, never retried, no health change.
   */
  | { scope: 'final' }
  /**
   * The secret was refused (401/403: `misconfigured` says so in one line) or rate limited
   * (429): it cools down; another secret may serve.
   */
  | { scope: 'secret'; health: FailureInput; misconfigured?: string }
  /** The provider failed (connect error, timeout, 408, 5xx; after the first byte also an error event): counted towards its cooldown; next target. */
  | { scope: 'provider'; health: FailureInput }
  /** The target is misconfigured (an upstream 404: base URL or model wrong): that model on that endpoint cools at once; next target. */
  | { scope: 'target'; health: FailureInput; misconfigured: string }
  /** Worth trying elsewhere but says nothing about health (409). */
  | { scope: 'other' };

/** The request and target a failure happened to. */
export interface FailureSite {
  endpoint: Endpoint;
  body: Record<string, unknown> | null;
  target: Target;
}

function reasonOf(code: string | null): string {
  if (code === 'upstream_timeout') return 'timeout';
  if (code === 'upstream_unreachable') return 'connect';
  if (code === 'upstream_error_event') return 'error_event';
  if (code === 'upstream_tls_error') return 'tls';
  return 'protocol';
}

export function classifyFailure(o: Failed, at: FailureSite): FailureClass {
  const status = o.status;
  if (status === 404 && notFoundIsMisconfiguration(at.endpoint, at.body)) {
    const line = notFoundLine(at.target.model, upstreamPath(at.endpoint, at.target));
    return { scope: 'target', health: { force: true, reason: line }, misconfigured: line };
  }
  if (!o.error.retryable) return { scope: 'final' };
  const retryAfter = o.retryAfterMs !== undefined && o.retryAfterMs > 0 ? o.retryAfterMs : undefined;
  if (status === 401 || status === 403) {
    const line = refusedLine(status);
    return { scope: 'secret', health: { force: true, reason: line }, misconfigured: line };
  }
  if (status === 429) return { scope: 'secret', health: { force: true, durationMs: retryAfter, reason: '429' } };
  if (status === undefined || status === 408 || status >= 500) {
    // A Retry-After on a 5xx is the provider asking for a pause: honour it at once.
    return { scope: 'provider', health: { force: retryAfter !== undefined, durationMs: retryAfter, reason: status ? String(status) : reasonOf(o.error.code) } };
  }
  return { scope: 'other' };
}
