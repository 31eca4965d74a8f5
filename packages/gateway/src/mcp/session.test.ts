import { describe, expect, it } from 'vitest';
import { SessionSealer } from './session.js';

describe('sealed MCP session ids', () => {
  const a = new SessionSealer([Buffer.from('a'.repeat(32))]);
  const s = { keyId: 'key_1', version: '2025-11-25', exp: Date.now() + 60_000 };

  it('opens what it sealed, on any sealer with the same secret', () => {
    const id = a.seal(s);
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    expect(new SessionSealer([Buffer.from('a'.repeat(32))]).open(id)).toEqual(s);
    expect(a.seal(s)).not.toBe(id);
  });

  it('refuses altered, forged, foreign and expired ids', () => {
    const id = a.seal(s);
    const [payload, mac] = id.split('.') as [string, string];
    const other = Buffer.from(JSON.stringify({ k: 'key_2', v: s.version, e: s.exp, n: 'x' })).toString('base64url');
    expect(a.open(`${other}.${mac}`)).toBe('bad');
    // The first character (six whole bits of the MAC): changing the last one can leave the bytes as they were.
    expect(a.open(`${payload}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`)).toBe('bad');
    expect(a.open('garbage')).toBe('bad');
    expect(new SessionSealer([Buffer.from('b'.repeat(32))]).open(id)).toBe('bad');
    expect(a.open(a.seal({ ...s, exp: Date.now() - 1 }))).toBe('over');
  });

  it('keeps opening ids sealed with an earlier secret', () => {
    const id = a.seal(s);
    const rotated = new SessionSealer([Buffer.from('c'.repeat(32)), Buffer.from('a'.repeat(32))]);
    expect(rotated.open(id)).toEqual(s);
  });
});
