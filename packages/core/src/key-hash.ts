import { createHash, randomBytes } from 'node:crypto';

/** Prefix every generated gateway key starts with, so leaked keys are recognisable by scanners. */
const GATEWAY_KEY_PREFIX = 'gw-';
/**
 * Imported keys (`gwctl key add --key`) shorter than this are refused unless the caller says
 * the person acknowledged it (`ImportedKeyRules.allowShort`): a short key is guessable.
 */
export const MIN_IMPORTED_KEY_LENGTH = 20;

export interface ImportedKeyRules {
  /**
   * Accept a key shorter than MIN_IMPORTED_KEY_LENGTH (never an empty one). For a key the
   * person chose and saw, e.g. typed on the command line; the caller warns.
   */
  allowShort?: boolean;
}
/** How many leading characters of a key are kept for display. */
const DISPLAY_PREFIX_LENGTH = 10;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

function describeCharacter(code: number): string {
  if (code === 0x20) return 'a space';
  if (code === 0x09) return 'a tab';
  if (code === 0x0a || code === 0x0d) return 'a line break';
  if (code < 0x20 || code === 0x7f) return 'a control character';
  return 'a character outside printable ASCII';
}

/**
 * Why `raw` cannot be imported as a gateway key, as the end of a sentence about it
 * (`is too short: …`), or null when it can. A key travels in an HTTP header
 * (`Authorization: Bearer <key>`, `x-api-key`): whitespace splits or is trimmed away, control
 * characters are refused by HTTP clients, and bytes beyond ASCII are encoded differently by
 * different clients, so a key holding any of them could never authenticate. Never quotes the key.
 */
export function importedKeyProblem(raw: string, rules: ImportedKeyRules = {}): string | null {
  if (raw.length === 0) return 'is empty';
  if (raw.length < MIN_IMPORTED_KEY_LENGTH && !rules.allowShort) return `is too short: an imported key needs at least ${MIN_IMPORTED_KEY_LENGTH} characters`;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) {
      return `holds ${describeCharacter(code)} (character ${i + 1}): an imported key must be printable ASCII, without whitespace or control characters`;
    }
  }
  return null;
}

/** A new raw gateway key: `gw-` + 40 base62 characters (~238 bits). Shown once, never stored. */
export function generateRawKey(): string {
  return GATEWAY_KEY_PREFIX + randomString(40);
}

/** A short public id for a key record (stable across rotations). */
export function generateKeyId(): string {
  return 'key_' + randomString(12);
}

/** SHA-256 hex of the raw key: the only form in which a gateway key is stored. */
export function hashKey(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

/**
 * The leading characters kept for display (`gw-AbCd123…`): ten, and never more than half of
 * the key, so that a short imported key is not shown whole by `key list`.
 */
export function displayPrefix(raw: string): string {
  return raw.slice(0, Math.max(1, Math.min(DISPLAY_PREFIX_LENGTH, Math.floor(raw.length / 2))));
}
