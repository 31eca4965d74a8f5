import type { AttemptOutcome } from '../upstream/attempt.js';
import type { FailureInput } from './cooldown-rules.js';

type Failed = Extract<AttemptOutcome, { kind: 'failed' }>;

/** What a failed attempt says about where to go next and whose health suffers. */
export type FailureClass =
  /**
   * Caused by the request (400, 404, 422, …), or by the gateway itself (its drain deadline cut
   * the call: `shutting_down`): goes back to the client as is, never retried, no health change.
   */
  | { scope: 'final' }
  /** The secret was refused (401/403) or rate limited (429): it cools down; another secret may serve. */
  | { scope: 'secret'; health: FailureInput }
  /** The provider failed (connect error, timeout, 408, 5xx; after the first byte also an error event): counted towards its cooldown; next target. */
  | { scope: 'provider'; health: FailureInput }
  /** Worth trying elsewhere but says nothing about health (409). */
  | { scope: 'other' };

function reasonOf(code: string | null): string {
  if (code === 'upstream_timeout') return 'timeout';
  if (code === 'upstream_unreachable') return 'connect';
  if (code === 'upstream_error_event') return 'error_event';
  return 'protocol';
}

export function classifyFailure(o: Failed): FailureClass {
  if (!o.error.retryable) return { scope: 'final' };
  const status = o.status;
  const retryAfter = o.retryAfterMs !== undefined && o.retryAfterMs > 0 ? o.retryAfterMs : undefined;
  if (status === 401 || status === 403) return { scope: 'secret', health: { force: true, reason: String(status) } };
  if (status === 429) return { scope: 'secret', health: { force: true, durationMs: retryAfter, reason: '429' } };
  if (status === undefined || status === 408 || status >= 500) {
    // A Retry-After on a 5xx is the provider asking for a pause: honour it at once.
    return { scope: 'provider', health: { force: retryAfter !== undefined, durationMs: retryAfter, reason: status ? String(status) : reasonOf(o.error.code) } };
  }
  return { scope: 'other' };
}
