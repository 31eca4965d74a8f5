import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import { Tokenizer } from './tokenizer.js';

const t = new Tokenizer();
afterAll(() => t.close());

describe('Tokenizer (gpt-tokenizer in a worker thread)', () => {
  it('counts like gpt-tokenizer itself, in order, empty texts as 0', async () => {
    const texts = ['hello world', '', 'The quick brown fox jumps over the lazy dog. '.repeat(50), 'naïve café — 日本語のテキスト'];
    expect(await t.count(texts)).toEqual(texts.map((s) => (s ? countTokens(s) : 0)));
  });

  it('counts long texts like gpt-tokenizer, and a 1 MB run without spaces in 256-character slices instead of its quadratic stall', async () => {
    const prose = 'The quick brown fox jumps over the lazy dog, then naps. '.repeat(2000); // 112 KB
    expect(await t.count([prose])).toEqual([countTokens(prose)]);
    // One token per 8 x's whole (gpt-tokenizer needs minutes for it); cut into 256-character runs it is the same.
    const [run] = await t.count(['x'.repeat(1_000_000)]);
    expect(run).toBe(countTokens('x'.repeat(256)) * Math.floor(1_000_000 / 256) + countTokens('x'.repeat(1_000_000 % 256)));
  });

  it('answers many concurrent requests each with its own counts', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => 'word '.repeat(i + 1));
    const counts = await Promise.all(texts.map((s) => t.count([s])));
    expect(counts.map((c) => c[0])).toEqual(texts.map((s) => countTokens(s)));
  });

  it('close() rejects what is owed, and a later count starts a new worker', async () => {
    const own = new Tokenizer();
    const owed = expect(own.count(['x '.repeat(100_000)])).rejects.toThrow(/closed/);
    await own.close();
    await owed;
    expect(await own.count(['hello world'])).toEqual([2]);
    await own.close();
  });

  it('an idle worker does not keep the process alive, an owed count does', () => {
    const dist = fileURLToPath(new URL('../dist/tokenizer.js', import.meta.url));
    // Counts, prints, and must then exit on its own (the worker is unref'd when idle).
    const script = `const { tokenizer } = await import(${JSON.stringify(dist)}); tokenizer.count(['hello world']).then((c) => console.log(JSON.stringify(c)));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('[2]');
  });
});
