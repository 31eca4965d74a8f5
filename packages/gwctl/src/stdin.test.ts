import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readStdin, withoutTrailingNewline } from './stdin.js';

describe('readStdin', () => {
  it('reads every chunk of a piped stream as UTF-8', async () => {
    expect(await readStdin(Readable.from([Buffer.from('sk-é'), Buffer.from('tail\n')]), '--key')).toBe('sk-étail\n');
  });

  it('refuses a terminal instead of waiting on it', async () => {
    const tty = Object.assign(Readable.from([Buffer.from('never read')]), { isTTY: true });
    await expect(readStdin(tty, '--key')).rejects.toMatchObject({ message: '--key - reads standard input, which is a terminal', hint: expect.stringMatching(/^pipe the value in/) });
  });

  it('refuses a stream longer than any secret', async () => {
    const endless = Readable.from((function* () {
      for (;;) yield Buffer.alloc(16 * 1024, 0x79);
    })());
    await expect(readStdin(endless, '--key')).rejects.toThrow(/longer than 65536 bytes/);
  });
});

describe('withoutTrailingNewline', () => {
  it('drops one LF or CRLF at the end, nothing else', () => {
    expect(withoutTrailingNewline('abc\n')).toBe('abc');
    expect(withoutTrailingNewline('abc\r\n')).toBe('abc');
    expect(withoutTrailingNewline('abc\n\n')).toBe('abc\n');
    expect(withoutTrailingNewline(' abc ')).toBe(' abc ');
    expect(withoutTrailingNewline('')).toBe('');
  });
});
