import { describe, expect, it } from 'vitest';
import { displayPrefix, importedKeyProblem } from './key-hash.js';

describe('importedKeyProblem', () => {
  it('refuses a short key unless allowed, and an empty one always', () => {
    expect(importedKeyProblem('demo')).toMatch(/^is too short/);
    expect(importedKeyProblem('demo', { allowShort: true })).toBeNull();
    expect(importedKeyProblem('', { allowShort: true })).toBe('is empty');
    expect(importedKeyProblem('de mo', { allowShort: true })).toMatch(/^holds a space/);
  });

  it('displays ten characters of a key, never more than half of a short one', () => {
    expect(displayPrefix('gw-0123456789abcdefghijklmnopqrstuvwxyzABCD')).toBe('gw-0123456');
    expect(displayPrefix('demo')).toBe('de');
  });
});
