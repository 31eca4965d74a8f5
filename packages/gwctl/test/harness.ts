// Test helpers for gwctl: a handler context bound to this worker's test Redis, and a way to
// run argv through the real commander program without spawning a process.
import { Readable } from 'node:stream';
import { useTestRedis } from '../../../tests/support/redis.js';
import { createRegistry, type Context } from '../src/context.js';
import { memoryOutput } from '../src/output.js';
import { createPrompt, type Asker } from '../src/prompt.js';
import { run } from '../src/run.js';
import { readStdin } from '../src/stdin.js';

export interface ContextOptions {
  /** Pretend a person is at a terminal, answering with `asker`. */
  interactive?: boolean;
  yes?: boolean;
  asker?: Partial<Asker>;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** What the command finds on standard input (default: nothing). */
  stdin?: string;
}

/** Standard input holding `text`, read through the same function as a real run. */
function stdinOf(text = ''): (flag: string) => Promise<string> {
  return (flag) => readStdin(Readable.from([Buffer.from(text)]), flag);
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
      readStdin: stdinOf(o.stdin),
    };
    return { ctx, out, registry: ctx.registry };
  }

  /** Run argv through the real program (commander parsing, exit codes) on the test Redis. */
  async function cli(argv: string[], o: ContextOptions = {}) {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: o.env ?? {},
      openContext: async (globals, base) => {
        const prompt = createPrompt({ yes: globals.yes ?? o.yes, interactive: o.interactive ?? false, asker: scriptedAsker(o.asker ?? {}) });
        const ctx: Context = { registry: createRegistry(redis, base.out), redis, out: base.out, prompt, target: { url }, env: base.env, now: () => new Date(), readStdin: stdinOf(o.stdin) };
        return { ctx, close: async () => {} };
      },
    });
    return { code, stdout, stderr };
  }

  const revision = async () => Number((await redis.get('gw:rev')) ?? 0);

  return { redis, url, context, cli, revision };
}
