import { describe, expect, it } from 'vitest';
import { rewriteModel } from './rewrite-model.js';

describe('rewriteModel', () => {
  it('rewrites every model key with any spacing, and only exact names', () => {
    expect(rewriteModel('{"model":"a.b","x":{"model" : "a.b"},"y":"model","z":{"model":"a.bc"}}', 'a.b', 'pub/1')).toBe(
      '{"model":"pub/1","x":{"model" : "pub/1"},"y":"model","z":{"model":"a.bc"}}',
    );
  });
  it('escapes names that need JSON escaping and leaves equal names alone', () => {
    expect(rewriteModel('{"model":"q\\"x"}', 'q"x', 'p')).toBe('{"model":"p"}');
    const s = '{"model":"same"}';
    expect(rewriteModel(s, 'same', 'same')).toBe(s);
  });
});
