// Running a command line as a person would at a terminal: under a pseudo-terminal made by
// util-linux's `script` (Debian's bsdutils, always there), answering its questions.
import { spawn, spawnSync } from 'node:child_process';

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed (stdout and stderr together, \r\n line ends, escape codes). */
  output: string;
  /** The output without escape codes and carriage returns. */
  text: string;
}

export interface TerminalOptions {
  cwd?: string;
  /** The whole environment of the command (add PATH and HOME yourself). */
  env: Record<string, string>;
  /** When the output so far matches a pattern, type its answer (once each, in order). */
  answers?: Array<[RegExp, string]>;
  timeoutMs?: number;
}

/** Whether `script` can make a pseudo-terminal here. */
export function haveTerminal(): boolean {
  return spawnSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore' }).status === 0;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Za-z0-9]|\r/g;

/** Run `command` through bash in a pseudo-terminal: stdin and stdout are a TTY, as in a shell. */
export function runInTerminal(command: string, o: TerminalOptions): Promise<TerminalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: o.cwd,
      env: { SHELL: '/bin/bash', TERM: 'dumb', ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const answers = [...(o.answers ?? [])];
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end within ${o.timeoutMs ?? 15_000} ms: ${JSON.stringify(output)}`));
    }, o.timeoutMs ?? 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const next = answers[0];
      if (next && next[0].test(output.replace(ESCAPES, ''))) {
        answers.shift();
        child.stdin.write(next[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output, text: output.replace(ESCAPES, '') });
    });
  });
}
