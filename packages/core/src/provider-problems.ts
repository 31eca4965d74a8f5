import { parseTargetSubject, PROVIDER_SUBJECT, secretSubject, subjectState, type SubjectHealth } from './provider-health.js';

/**
 * A provider's health in readable lines, the same in the gateway's `/status` and in
 * `gwctl provider status`: one line per subject in trouble (cooling down, or not recovered
 * since: half-open), naming the subject as gwctl numbers it, never a secret.
 */

/** `provider`, `secret #2` (1-based, by the provider's list), `model gpt-4o (POST /chat/completions)`; null for a secret no longer listed. */
export function subjectLabel(subject: string, secrets: readonly string[]): string | null {
  if (subject === PROVIDER_SUBJECT) return 'provider';
  const t = parseTargetSubject(subject);
  if (t) return `model ${t.model} (POST ${t.endpoint})`;
  const i = secrets.findIndex((ref) => secretSubject(ref) === subject);
  return i < 0 ? null : `secret #${i + 1}`;
}

/** A readable reason (a misconfiguration line) has words; a bare one is a status or `timeout`, `connect`, … */
const isSentence = (reason: string) => reason.includes(' ');

function problemLine(subject: string, label: string, reason: string): string {
  if (!reason) return `${label}: failing`;
  if (!isSentence(reason)) return `${label}: failing (${reason})`;
  // A target's line already names its model and endpoint.
  return parseTargetSubject(subject) ? reason : `${label}: ${reason}`;
}

const ORDER = (subject: string) => (subject === PROVIDER_SUBJECT ? 0 : subject.startsWith('s:') ? 1 : 2);

/** One line per subject cooling down or half-open: the provider first, then its secrets in order, then its models. */
export function healthProblems(subjects: ReadonlyMap<string, SubjectHealth>, secrets: readonly string[], now: number): string[] {
  const rows: Array<{ order: number; key: string; line: string }> = [];
  for (const [subject, h] of subjects) {
    if (subjectState(h, now).kind === 'ok') continue;
    const label = subjectLabel(subject, secrets);
    if (label === null) continue;
    rows.push({ order: ORDER(subject), key: label, line: problemLine(subject, label, h.reason) });
  }
  rows.sort((a, b) => a.order - b.order || a.key.localeCompare(b.key, 'en', { numeric: true }));
  return rows.map((r) => r.line);
}
