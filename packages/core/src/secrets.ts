import { createHash } from 'node:crypto';

/**
 * Upstream secrets are stored either literally or as a reference resolved where the
 * gateway runs: `env:NAME` reads `process.env.NAME`. Display always goes through `maskSecret`.
 */
export type SecretRef = string;

function isEnvRef(ref: SecretRef): boolean {
  return ref.startsWith('env:');
}

/** The variable an `env:NAME` reference reads; null for a literal. */
export function envVariable(ref: SecretRef): string | null {
  return isEnvRef(ref) ? ref.slice(4) : null;
}

/** Resolve a secret reference; returns undefined when an `env:` reference is unset. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isEnvRef(ref)) {
    const value = env[ref.slice(4)];
    return value === undefined || value === '' ? undefined : value;
  }
  return ref;
}

/** A display form that never reveals a literal secret: `env:NAME` as is, literals as `sk-a…wxyz`. */
export function maskSecret(ref: SecretRef): string {
  if (isEnvRef(ref)) return ref;
  if (ref.length <= 8) return '****';
  if (ref.length <= 16) return `${ref.slice(0, 2)}…${ref.slice(-2)}`;
  return `${ref.slice(0, 4)}…${ref.slice(-4)}`;
}

/**
 * A short non-reversible fingerprint of a literal secret (`sha256:` + 16 hex digits), so a
 * document can say which stored secret it means without holding it. It identifies a secret,
 * it does not protect a weak one: a guessable literal can be found from it.
 */
export function secretFingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16)}`;
}

// Extra headers may carry credentials too (api-key, Authorization, cookies).
const SENSITIVE_HEADER = /auth|key|token|secret|cookie|passw/i;

/** Whether an extra header's name looks like it carries a credential (its value is then never shown). */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADER.test(name);
}
