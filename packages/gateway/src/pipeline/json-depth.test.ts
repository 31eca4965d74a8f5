import { describe, expect, it } from 'vitest';
import { nestedDeeperThan } from './json-depth.js';

const arrays = (n: number) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`);
const objects = (n: number) => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);

describe('nestedDeeperThan', () => {
  it('counts arrays and objects, each level once', () => {
    expect(nestedDeeperThan(arrays(3), 3)).toBe(false);
    expect(nestedDeeperThan(arrays(4), 3)).toBe(true);
    expect(nestedDeeperThan(objects(3), 3)).toBe(false);
    expect(nestedDeeperThan(objects(4), 3)).toBe(true);
    expect(nestedDeeperThan({ a: [{ b: [1] }], c: 'x'.repeat(10) }, 4)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: [[1]] }] }, 4)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });

  it('handles a body far deeper than any stack, and a wide one', () => {
    expect(nestedDeeperThan(arrays(100_000), 128)).toBe(true);
    expect(nestedDeeperThan(objects(100_000), 128)).toBe(true);
    expect(nestedDeeperThan({ input: Array.from({ length: 50_000 }, (_, i) => [i, i]) }, 128)).toBe(false);
  });
});
