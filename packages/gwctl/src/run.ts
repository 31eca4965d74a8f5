import { CommanderError } from 'commander';
import { describeRedisTarget, redisTlsWarning, redisUsesTls } from '@llmgw/core';
import { connectRedis, redisTargetFrom, withFlagNames, type GlobalOptions } from './connect.js';
import { createRegistry, type Context } from './context.js';
import { asUserError, EXIT, ExitWith, UsageError, UserError } from './errors.js';
import { createOutput, type Writer } from './output.js';
import { buildProgram, type OpenedContext } from './program.js';
import { createPrompt, type Asker, type Prompt } from './prompt.js';
import { readSecretInput, readStdin, type StdinLike } from './stdin.js';

/** Standard output or error: a terminal says so, and how wide it is. */
type Terminal = Writer & { isTTY?: boolean; columns?: number };

export interface RunIO {
  stdout?: Terminal;
  stderr?: Writer;
  /** Standard input (`--key -`, `--api-key -`); default process.stdin. */
  stdin?: StdinLike;
  env?: NodeJS.ProcessEnv;
  /** Replace how a command gets its context (tests pass one bound to a test Redis). */
  openContext?: (globals: GlobalOptions, base: { out: Context['out']; env: NodeJS.ProcessEnv; prompt: Prompt }) => Promise<OpenedContext>;
  /** Answer prompts from a script instead of a terminal (tests). */
  asker?: Asker;
  interactive?: boolean;
}

/** The width tables fit in: COLUMNS when set (also on a pipe), else the terminal's; none on a pipe. */
function columnsOf(stdout: Terminal, env: NodeJS.ProcessEnv): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stdout.isTTY && stdout.columns ? stdout.columns : undefined;
}

const debugging = (env: NodeJS.ProcessEnv) => Boolean(env.GWCTL_DEBUG) && env.GWCTL_DEBUG !== '0';

/**
 * Run gwctl with `argv` (user arguments only, without `node` and the script) and return
 * the exit code: 0 ok, 1 the operation failed, 2 usage error.
 */
export async function run(argv: string[], io: RunIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const out = createOutput(stdout, stderr, { tty: Boolean(stdout.isTTY), columns: columnsOf(stdout, env) });
  const stdin = io.stdin ?? process.stdin;
  const promptFor = (globals: GlobalOptions): Prompt =>
    createPrompt({ yes: globals.yes, env, ...(io.asker ? { asker: io.asker } : {}), ...(io.interactive !== undefined ? { interactive: io.interactive } : {}) });

  const openContext = async (globals: GlobalOptions): Promise<OpenedContext> => {
    const prompt = promptFor(globals);
    if (io.openContext) return io.openContext(globals, { out, env, prompt });
    const target = redisTargetFrom(globals, env);
    const tlsWarning = redisTlsWarning(target.tls, redisUsesTls(target));
    if (tlsWarning) out.warn(withFlagNames(tlsWarning, globals));
    const redis = await connectRedis(target);
    const ctx: Context = {
      registry: createRegistry(redis, out),
      redis,
      out,
      prompt,
      target,
      env,
      now: () => new Date(),
      readSecret: (flag, what) => readSecretInput(stdin, prompt, flag, what),
      readStdin: (flag) => readStdin(stdin, flag),
    };
    return {
      ctx,
      close: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  };

  const program = buildProgram({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s), openContext, prompt: promptFor });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (caught) {
    const forced = caught instanceof ExitWith ? caught.code : undefined;
    const e = caught instanceof ExitWith ? caught.cause : caught;
    if (forced !== undefined && e === undefined) return forced;
    // Help and --version end with exit code 0; everything else commander raises is usage (it printed the error and a hint).
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const globals = program.opts<GlobalOptions>();
    const user = asUserError(e) ?? redisFailure(e, globals, env);
    const report = (message: string, hint?: string) => {
      stderr.write(`error: ${oneLine(withFlagNames(message, globals))}\n`);
      if (hint) stderr.write(`hint: ${oneLine(hint)}\n`);
      if (debugging(env)) stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    };
    if (user) {
      report(user.message, user.hint);
      return forced ?? (user instanceof UsageError ? EXIT.usage : EXIT.user);
    }
    report(
      `gwctl failed unexpectedly: ${(e as Error)?.message ?? String(e)}`,
      debugging(env) ? 'this is a bug in gwctl: please report it with the trace below' : 'this is a bug in gwctl: run again with GWCTL_DEBUG=1 for the stack trace and report it',
    );
    return forced ?? EXIT.user;
  }
}

// A connection lost after connecting is the user's environment, not a bug.
function redisFailure(e: unknown, globals: GlobalOptions, env: NodeJS.ProcessEnv): UserError | null {
  const err = e as { name?: string; message?: string; code?: string };
  const lost =
    err?.name === 'MaxRetriesPerRequestError' ||
    /^(Connection is closed|Stream isn't writeable|connect E|read ECONNRESET|NOAUTH|WRONGPASS|NOPERM|READONLY|CLUSTERDOWN|LOADING)/.test(err?.message ?? '');
  if (!lost) return null;
  return new UserError(`Redis at ${describeRedisTarget(redisTargetFrom(globals, env))}: ${err.message}`, 'check it with gwctl redis ping');
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}
