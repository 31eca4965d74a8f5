// Test helpers for gwctl: a handler context bound to this worker's test Redis, and a way to
// run argv through the real commander program without spawning a process.
import { Readable } from 'node:stream';
import { useTestRedis } from '../../../tests/support/redis.js';
import { createRegistry, type Context } from '../src/context.js';
import { memoryOutput } from '../src/output.js';
import { createPrompt, type Asker } from '../src/prompt.js';
import { run } from '../src/run.js';
import { readSecretInput, readStdin, type StdinLike } from '../src/stdin.js';

export interface ContextOptions {
  /** Pretend a person is at a terminal, answering with `asker`. */
  interactive?: boolean;
  yes?: boolean;
  asker?: Partial<Asker>;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** What the command finds on standard input (default: nothing). */
  stdin?: string;
  /** Standard input is a terminal (a secret given as `-` is then asked, if interactive). */
  stdinTty?: boolean;
  /** `cli` only: stdout is a terminal this many columns wide (default: a pipe). */
  tty?: { columns: number };
}

/** Standard input holding `text` (a terminal with `tty`), read through the same function as a real run. */
function stdinOf(text = '', tty = false): StdinLike {
  return Object.assign(Readable.from([Buffer.from(text)]), tty ? { isTTY: true } : {});
}

/** An Asker that fails the test when asked something it was not scripted for. */
export function scriptedAsker(answers: Partial<Asker>): Asker {
  const unexpected = (kind: string) => () => Promise.reject(new Error(`unexpected ${kind} prompt`));
  return {
    input: answers.input ?? unexpected('input'),
    password: answers.password ?? unexpected('password'),
    confirm: answers.confirm ?? unexpected('confirm'),
    select: answers.select ?? unexpected('select'),
  };
}

export function useGwctl() {
  const { redis, url } = useTestRedis();

  function context(o: ContextOptions = {}) {
    const out = memoryOutput();
    const prompt = createPrompt({ yes: o.yes, interactive: o.interactive ?? false, asker: scriptedAsker(o.asker ?? {}) });
    const ctx: Context = {
      registry: createRegistry(redis, out),
      redis,
      out,
      prompt,
      target: { url },
      env: o.env ?? {},
      now: () => o.now ?? new Date(),
      readSecret: (flag, what) => readSecretInput(stdinOf(o.stdin, o.stdinTty), prompt, flag, what),
      readStdin: (flag) => readStdin(stdinOf(o.stdin, o.stdinTty), flag),
    };
    return { ctx, out, registry: ctx.registry };
  }

  /** Run argv through the real program (commander parsing, exit codes) on the test Redis. */
  async function cli(argv: string[], o: ContextOptions = {}) {
    let stdout = '';
    let stderr = '';
    const code = await run(o.yes ? ['--yes', ...argv] : argv, {
      stdout: { write: (s: string) => (stdout += s), ...(o.tty ? { isTTY: true, columns: o.tty.columns } : {}) },
      stderr: { write: (s: string) => (stderr += s) },
      env: o.env ?? {},
      interactive: o.interactive ?? false,
      asker: scriptedAsker(o.asker ?? {}),
      openContext: async (_globals, base) => {
        const { prompt } = base;
        const ctx: Context = {
          registry: createRegistry(redis, base.out),
          redis,
          out: base.out,
          prompt,
          target: { url },
          env: base.env,
          now: () => new Date(),
          readSecret: (flag, what) => readSecretInput(stdinOf(o.stdin, o.stdinTty), prompt, flag, what),
          readStdin: (flag) => readStdin(stdinOf(o.stdin, o.stdinTty), flag),
        };
        return { ctx, close: async () => {} };
      },
    });
    return { code, stdout, stderr };
  }

  const revision = async () => Number((await redis.get('gw:rev')) ?? 0);

  return { redis, url, context, cli, revision };
}
