import { EMPTY_HEALTH, type SubjectHealth } from '@llmgw/core';

/** When a subject (a provider, or one of its secrets) cools down, and for how long. */
export interface CooldownSettings {
  /** Failures within `windowMs` that start a cooldown. */
  threshold: number;
  windowMs: number;
  /** First cooldown; each further one without a success in between doubles, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** How long a half-open probe holds the subject before another request may probe. */
  probeLeaseMs: number;
}

export interface FailureInput {
  /** Cool down now whatever the count (401/403/429, a misconfiguration 404, or Retry-After on a 5xx). */
  force: boolean;
  /** Cooldown length asked for by the upstream (Retry-After); else the backoff applies. */
  durationMs?: number;
  /** Why: an HTTP status, `timeout`, `connect`, `protocol`. */
  reason: string;
}

/** True when a success must clear something. */
export function hasState(h: SubjectHealth | undefined): boolean {
  return !!h && (h.fails > 0 || h.level > 0 || h.until > 0);
}

/** True in a cooldown or half-open (a cooldown entered, no success since); not for a bare failure count. */
export function isCoolingDown(h: SubjectHealth | undefined): boolean {
  return !!h && (h.level > 0 || h.until > 0);
}

export function cooldownLength(level: number, s: CooldownSettings, durationMs?: number): number {
  if (durationMs !== undefined && durationMs > 0) return Math.min(durationMs, s.maxMs);
  return Math.min(s.baseMs * 2 ** Math.min(level, 30), s.maxMs);
}

/**
 * One failure of a subject. This is FAIL_SCRIPT (cooldowns.ts) in TypeScript: the pod
 * applies it at once to its own mirror, and alone when Redis is unreachable.
 */
export function applyFailure(prev: SubjectHealth | undefined, now: number, s: CooldownSettings, f: FailureInput): { entered: boolean; health: SubjectHealth } {
  const h = { ...(prev ?? EMPTY_HEALTH) };
  if (h.until > now) return { entered: false, health: h }; // already cooling (another request or pod)
  if (now >= h.windowEnd) {
    h.fails = 0;
    h.windowEnd = now + s.windowMs;
  }
  h.fails++;
  // After a cooldown nothing has succeeded yet (half-open): the first failure re-opens, for longer.
  if (!f.force && h.level === 0 && h.fails < s.threshold) return { entered: false, health: h };
  h.until = now + cooldownLength(h.level, s, f.durationMs);
  h.level++;
  h.fails = 0;
  h.windowEnd = 0;
  h.probeUntil = 0;
  h.reason = f.reason;
  return { entered: true, health: h };
}

/** Take the half-open probe of a subject (PROBE_SCRIPT in TypeScript). */
export function applyProbe(prev: SubjectHealth | undefined, now: number, s: CooldownSettings): { granted: boolean; health: SubjectHealth } {
  const h = { ...(prev ?? EMPTY_HEALTH) };
  if (h.level === 0) return { granted: true, health: h };
  if (h.until > now || h.probeUntil > now) return { granted: false, health: h };
  h.probeUntil = now + s.probeLeaseMs;
  h.probes++;
  return { granted: true, health: h };
}
