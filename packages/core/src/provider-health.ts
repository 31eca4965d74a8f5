import { createHash } from 'node:crypto';

/**
 * Health of upstream providers and of their secrets, shared by every gateway pod through
 * one Redis hash per provider (`RT_KEYS.providerHealth`). The gateway writes it (failures,
 * cooldowns, half-open probes); gwctl reads it (`provider status`) and clears it
 * (`provider reset`). Field names are `<subject>.<letter>`, where the subject is
 * `p` for the provider as a whole, `s:<id>` for one of its secrets, or
 * `t:<endpoint>:<upstream model>` for one model of it on one endpoint.
 */

/** Subject of the provider as a whole (connect errors, timeouts, 5xx). */
export const PROVIDER_SUBJECT = 'p';

/**
 * Subject of one upstream model of a provider on one endpoint (`/chat/completions`): an
 * upstream 404 there (a base URL without /v1, a model the upstream does not serve) cools only
 * that, not the provider's other models or endpoints.
 */
export function targetSubject(model: string, endpoint: string): string {
  return `t:${endpoint}:${model}`;
}

/** The model and endpoint of a `targetSubject`; null for other subjects. */
export function parseTargetSubject(subject: string): { model: string; endpoint: string } | null {
  if (!subject.startsWith('t:')) return null;
  // Endpoints have no ':', models may (`llama3:8b`).
  const i = subject.indexOf(':', 2);
  return i < 0 ? null : { endpoint: subject.slice(2, i), model: subject.slice(i + 1) };
}

/** A stable, non-reversible id of a secret reference: its health survives reordering the list. */
export function secretSubject(ref: string): string {
  return `s:${createHash('sha256').update(ref, 'utf8').digest('hex').slice(0, 12)}`;
}

/** State of one subject. Times are epoch milliseconds; 0 means unset. */
export interface SubjectHealth {
  /** Failures counted in the current window. */
  fails: number;
  /** When the current failure window ends. */
  windowEnd: number;
  /** Cooling down until then. */
  until: number;
  /** Cooldowns entered since the last success (the next one lasts base·2^level). */
  level: number;
  /** A half-open probe request is out until then. */
  probeUntil: number;
  /** Half-open probes let through since the last success. */
  probes: number;
  /**
   * Why the last cooldown started: an HTTP status (`429`, `503`), `timeout`, `connect`,
   * `protocol`; for a misconfiguration (an upstream 404, 401 or 403) one readable line
   * (`404 from upstream for model X (POST /chat/completions): the base URL may lack /v1, …`).
   */
  reason: string;
}

/** Field letters of a subject, in the order scripts read and return them. */
const HEALTH_FIELDS = ['n', 'e', 'u', 'l', 'q', 'k', 'r'] as const;

export function healthFields(subject: string): string[] {
  return HEALTH_FIELDS.map((f) => `${subject}.${f}`);
}

export const EMPTY_HEALTH: Readonly<SubjectHealth> = Object.freeze({ fails: 0, windowEnd: 0, until: 0, level: 0, probeUntil: 0, probes: 0, reason: '' });

/** A subject from its field values in `HEALTH_FIELDS` order (as HMGET or a script returns them). */
export function subjectHealthFrom(values: ReadonlyArray<string | number | null | undefined>): SubjectHealth {
  const n = (i: number) => Number(values[i] ?? 0) || 0;
  return { fails: n(0), windowEnd: n(1), until: n(2), level: n(3), probeUntil: n(4), probes: n(5), reason: String(values[6] ?? '') };
}

/** Every subject found in a provider's health hash (HGETALL). */
export function parseHealthHash(hash: Record<string, string>): Map<string, SubjectHealth> {
  const bySubject = new Map<string, Array<string | undefined>>();
  for (const [field, value] of Object.entries(hash)) {
    const dot = field.lastIndexOf('.');
    const i = HEALTH_FIELDS.indexOf(field.slice(dot + 1) as (typeof HEALTH_FIELDS)[number]);
    if (dot <= 0 || i < 0) continue;
    const subject = field.slice(0, dot);
    let values = bySubject.get(subject);
    if (!values) bySubject.set(subject, (values = []));
    values[i] = value;
  }
  const out = new Map<string, SubjectHealth>();
  for (const [subject, values] of bySubject) out.set(subject, subjectHealthFrom(values));
  return out;
}

/** Where a subject stands at `now`. */
export type SubjectState =
  | { kind: 'ok' }
  /** A cooldown ended without a success since: one probe request may go. */
  | { kind: 'half-open' }
  /** Skip until `until`: a cooldown, or another request's probe (`probe`). */
  | { kind: 'cooling'; until: number; probe: boolean };

export function subjectState(h: SubjectHealth | undefined, now: number): SubjectState {
  if (!h) return { kind: 'ok' };
  if (h.until > now) return { kind: 'cooling', until: h.until, probe: false };
  if (h.level === 0) return { kind: 'ok' };
  if (h.probeUntil > now) return { kind: 'cooling', until: h.probeUntil, probe: true };
  return { kind: 'half-open' };
}
