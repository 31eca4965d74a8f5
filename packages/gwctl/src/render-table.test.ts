import { describe, expect, it } from 'vitest';
import { fitWidths, renderTable, truncate } from './render-table.js';

const BOX = /[│─┌┐└┘├┤┬┴┼]/;
const head = ['name', 'base_url', 'status'];
const rows = [
  ['openai', 'https://api.openai.com/v1', 'active'],
  ['a-very-long-provider-name', 'https://example.internal/some/deep/path/v1', 'disabled'],
];
const widest = (text: string) => Math.max(...text.trimEnd().split('\n').map((l) => [...l].length));

describe('renderTable', () => {
  it('truncate cuts with … and leaves short text alone', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abcd', 4)).toBe('abcd');
  });

  it('fitWidths cuts the widest columns first and keeps narrow ones whole', () => {
    expect(fitWidths([4, 40, 8], 100)).toEqual([4, 40, 8]);
    const w = fitWidths([4, 40, 30], 40);
    expect(w.reduce((a, b) => a + b, 0)).toBe(40);
    expect(w[0]).toBe(4);
    expect(w[1]).toBeGreaterThanOrEqual(w[2]!);
  });

  it('a pipe gets plain columns, one line per row, nothing cut', () => {
    const text = renderTable(head, [...rows, ['multi', 'a\nb', 'active']], { boxed: false });
    expect(text).not.toMatch(BOX);
    expect(text.split('\n')[0]).toMatch(/^name +base_url +status$/);
    expect(text).toContain('https://example.internal/some/deep/path/v1');
    expect(text).toMatch(/^multi +a, b +active$/m);
    expect(text).not.toContain('…');
  });

  it('fits the width it is given, boxed or plain, cutting cells with …', () => {
    for (const boxed of [true, false]) {
      const text = renderTable(head, rows, { boxed, width: 50 });
      expect(widest(text), text).toBeLessThanOrEqual(50);
      expect(text).toContain('…');
      expect(BOX.test(text)).toBe(boxed);
    }
  });

  it('a terminal gets a box', () => {
    expect(renderTable(head, rows, { boxed: true })).toMatch(/┌─+┬/);
  });
});
