import { UserError } from './errors.js';
import type { Prompt } from './prompt.js';

/** More than any secret needs; a stream past it (`yes | gwctl …`) is a mistake, not a key. */
const MAX_STDIN_BYTES = 64 * 1024;

/** A readable standard input (a terminal says so with `isTTY`). */
export type StdinLike = NodeJS.ReadableStream & { isTTY?: boolean };

/**
 * All of standard input as UTF-8 text, for a flag given `-` so that a secret stays out of
 * shell history and `ps`. A terminal is refused rather than waited on: the value would be
 * echoed on screen, and a person would not know gwctl is waiting for end-of-file.
 */
export async function readStdin(stdin: StdinLike, flag: string): Promise<string> {
  if (stdin.isTTY) throw new UserError(`${flag} - reads standard input, which is a terminal`, `pipe the value in (${flag} - < file), or run gwctl without --yes and CI to be asked for it`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_STDIN_BYTES) throw new UserError(`${flag} -: standard input is longer than ${MAX_STDIN_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The text without one trailing newline (`\n` or `\r\n`), as `echo` or a file editor leaves it. */
export function withoutTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/**
 * The secret of a flag given `-`: standard input when it is piped; on a terminal, asked with
 * the input hidden (never echoed) when a person can answer, else refused as by `readStdin`.
 */
export async function readSecretInput(stdin: StdinLike, prompt: Prompt, flag: string, what: string): Promise<string> {
  if (stdin.isTTY && prompt.interactive) return prompt.secret(`${what} (input hidden):`, { flag });
  return readStdin(stdin, flag);
}
