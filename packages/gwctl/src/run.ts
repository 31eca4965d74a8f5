import { CommanderError } from 'commander';
import { describeRedisTarget, redisTlsWarning, redisUsesTls } from '@llmgw/core';
import { connectRedis, redisTargetFrom, withFlagNames, type GlobalOptions } from './connect.js';
import { createRegistry, type Context } from './context.js';
import { asUserError, EXIT, ExitWith } from './errors.js';
import { createOutput, type Writer } from './output.js';
import { buildProgram, type OpenedContext } from './program.js';
import { createPrompt, type Asker } from './prompt.js';
import { readStdin, type StdinLike } from './stdin.js';

export interface RunIO {
  stdout?: Writer;
  stderr?: Writer;
  /** Standard input (`--key -`); default process.stdin. */
  stdin?: StdinLike;
  env?: NodeJS.ProcessEnv;
  /** Replace how a command gets its context (tests pass one bound to a test Redis). */
  openContext?: (globals: GlobalOptions, base: { out: Context['out']; env: NodeJS.ProcessEnv }) => Promise<OpenedContext>;
  /** Answer prompts from a script instead of a terminal (tests). */
  asker?: Asker;
  interactive?: boolean;
}

/**
 * Run gwctl with `argv` (user arguments only, without `node` and the script) and return
 * the exit code: 0 ok, 1 user error, 2 usage error, 70 bug.
 */
export async function run(argv: string[], io: RunIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const out = createOutput(stdout, stderr);

  const openContext = async (globals: GlobalOptions): Promise<OpenedContext> => {
    if (io.openContext) return io.openContext(globals, { out, env });
    const target = redisTargetFrom(globals, env);
    const tlsWarning = redisTlsWarning(target.tls, redisUsesTls(target));
    if (tlsWarning) out.warn(withFlagNames(tlsWarning, globals));
    const redis = await connectRedis(target);
    const prompt = createPrompt({ yes: globals.yes, ...(io.asker ? { asker: io.asker } : {}), ...(io.interactive !== undefined ? { interactive: io.interactive } : {}) });
    const stdin = io.stdin ?? process.stdin;
    const ctx: Context = { registry: createRegistry(redis, out), redis, out, prompt, target, env, now: () => new Date(), readStdin: (flag) => readStdin(stdin, flag) };
    return {
      ctx,
      close: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  };

  const program = buildProgram({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s), openContext });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (caught) {
    const forced = caught instanceof ExitWith ? caught.code : undefined;
    const e = caught instanceof ExitWith ? caught.cause : caught;
    if (forced !== undefined && e === undefined) return forced;
    if (e instanceof CommanderError) {
      // Help and --version end with exit code 0; everything else commander raises is usage.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const globals = program.opts<GlobalOptions>();
    const user = asUserError(e) ?? redisFailure(e, globals, env);
    if (user) {
      stderr.write(`error: ${oneLine(withFlagNames(user.message, globals))}\n`);
      return forced ?? EXIT.user;
    }
    stderr.write(`gwctl hit a bug; please report it with this trace:\n${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.bug;
  }
}

// A connection lost after connecting is the user's environment, not a bug.
function redisFailure(e: unknown, globals: GlobalOptions, env: NodeJS.ProcessEnv): Error | null {
  const err = e as { name?: string; message?: string; code?: string };
  const lost =
    err?.name === 'MaxRetriesPerRequestError' ||
    /^(Connection is closed|Stream isn't writeable|connect E|read ECONNRESET|NOAUTH|WRONGPASS|NOPERM|READONLY|CLUSTERDOWN|LOADING)/.test(err?.message ?? '');
  if (!lost) return null;
  return new Error(`Redis at ${describeRedisTarget(redisTargetFrom(globals, env))}: ${err.message}`);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}
