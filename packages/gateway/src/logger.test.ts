import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The batched stdout writer is checked in a child process: what matters is what reaches the
// process's real stdout, and when (before exit, on a crash, after the flush interval).
const LOGGER = fileURLToPath(new URL('../dist/logger.js', import.meta.url));

interface Child {
  proc: ChildProcess;
  out: () => string;
  /** Resolves once stdout holds `n` lines. */
  lines: (n: number) => Promise<string[]>;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A node process that makes a logger with `flushMs` and runs `body` (ES module code, `log` in scope). */
function run(flushMs: number, body: string): Child {
  const code = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst log = createLogger('info', undefined, {}, ${flushMs});\n${body}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  const waiters: Array<() => void> = [];
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr.resume();
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const complete = () => out.split('\n').filter((l) => l !== '');
  const lines = (n: number) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => {
        if (complete().length >= n) resolve(complete());
        else waiters.push(check);
      };
      proc.on('exit', () => (complete().length >= n ? resolve(complete()) : reject(new Error(`exited with ${complete().length} of ${n} lines: ${out}`))));
      check();
    });
  return { proc, out: () => out, lines, exited };
}

const msgs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('batched log lines (GW_LOG_FLUSH_MS)', () => {
  it('holds lines below the batch size until the interval, then writes them in order', async () => {
    // The process stays up (stdin open): the lines can only come from the periodic flush.
    const c = run(200, "log.info('one'); log.info('two'); log.warn('three'); process.stdin.resume();");
    expect(msgs(await c.lines(3))).toEqual(['one', 'two', 'three']);
  });

  it('writes a full batch without waiting for the interval', async () => {
    // A one-hour interval: only the 8 KB threshold can write these. 45 lines of ≈ 280 bytes: the first 8 KB go, the rest (≈ 4 KB) wait.
    const c = run(3_600_000, "for (let i = 0; i < 45; i++) log.info({ i, pad: 'x'.repeat(200) }, 'line'); process.stdin.resume();");
    const got = await c.lines(20);
    expect(got.length).toBeLessThan(45); // the tail (below 8 KB) is still held
    expect((JSON.parse(got[0]!) as { i: number }).i).toBe(0);
    // Still held a while later (a writer of one write per line would have written all 45 by now).
    await new Promise((r) => setTimeout(r, 300));
    expect(c.out().trim().split('\n').length).toBeLessThan(45);
    // Closing stdin lets the process end: the held tail is written on exit.
    c.proc.stdin!.end();
    expect(await c.exited).toBe(0);
    expect(c.out().trim().split('\n')).toHaveLength(45);
  });

  it('writes held lines when the process exits, by process.exit or by a crash', async () => {
    const exit = run(3_600_000, "log.info('before exit'); setTimeout(() => process.exit(3), 10);");
    expect(await exit.exited).toBe(3);
    expect(msgs(exit.out().trim().split('\n'))).toEqual(['before exit']);

    const crash = run(3_600_000, "log.error('before crash'); setTimeout(() => { throw new Error('boom'); }, 10);");
    expect(await crash.exited).toBe(1);
    expect(msgs(crash.out().trim().split('\n'))).toEqual(['before crash']);
  });

  it('0 writes each line as it comes', async () => {
    const c = run(0, "log.info('now'); process.stdin.resume();");
    expect(msgs(await c.lines(1))).toEqual(['now']);
  });
});
