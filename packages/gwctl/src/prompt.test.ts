import { describe, expect, it } from 'vitest';
import { scriptedAsker } from '../test/harness.js';
import { createPrompt, isInteractiveSession } from './prompt.js';

describe('prompt', () => {
  it('non-interactive: defaults, or a user error naming the flag', async () => {
    const p = createPrompt({ interactive: false });
    expect(p.interactive).toBe(false);
    expect(await p.input('URL?', { flag: '--base-url', default: 'http://x' })).toBe('http://x');
    await expect(p.input('URL?', { flag: '--base-url' })).rejects.toMatchObject({ message: 'missing --base-url (no terminal to ask on)', hint: 'pass --base-url' });
    await expect(p.select('Provider?', ['a'], { flag: '--provider' })).rejects.toThrow(/missing --provider/);
    await expect(p.confirm('Delete?', 'delete x')).rejects.toMatchObject({ message: 'refusing to delete x without confirmation (no terminal to ask on)', hint: 'pass --yes' });
  });

  it('--yes confirms and never asks, even with a terminal', async () => {
    const p = createPrompt({ yes: true, interactive: true, asker: scriptedAsker({}) });
    expect(p.interactive).toBe(false);
    expect(await p.confirm('Delete?', 'delete x')).toBe(true);
    await expect(p.input('URL?', { flag: '--base-url' })).rejects.toThrow(/missing --base-url/);
  });

  it('interactive: asks the asker', async () => {
    const p = createPrompt({ interactive: true, asker: scriptedAsker({ input: async () => 'typed', confirm: async () => false, select: async (q) => q.choices[1]! }) });
    expect(await p.input('URL?', { flag: '--base-url' })).toBe('typed');
    expect(await p.confirm('Delete?', 'delete x')).toBe(false);
    expect(await p.select('Which?', ['a', 'b'], { flag: '--x' })).toBe('b');
  });

  it('CI in the environment means nobody is there to answer', () => {
    expect(isInteractiveSession({ CI: 'true' })).toBe(false);
  });
});
