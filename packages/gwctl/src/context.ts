import { gwctlActor, Registry, type RedisClient, type RedisTarget } from '@llmgw/core';
import type { Command } from 'commander';
import type { Output } from './output.js';
import type { Prompt } from './prompt.js';

/** What every command handler gets: no argv, no process globals. */
export interface Context {
  registry: Registry;
  redis: RedisClient;
  out: Output;
  prompt: Prompt;
  /** Where `redis` points (for messages and `redis ping`). */
  target: RedisTarget;
  /** Environment used to resolve `env:NAME` secrets (`provider models --remote`). */
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /**
   * A secret given as `-` (`--key -`, `--api-key -`): all of standard input when it is piped,
   * else asked on the terminal without echo; `what` names it in the question. Never printed.
   */
  readSecret(flag: string, what: string): Promise<string>;
  /** All of standard input (a file given as `-`); a user error when it is a terminal. */
  readStdin(flag: string): Promise<string>;
}

/** A handler: plain options in, output through ctx.out, errors thrown. */
export type Handler<O> = (ctx: Context, opts: O) => Promise<void>;

/** Runs a handler in a fresh context built from the command's global options. */
export type Runner = (cmd: Command, handler: (ctx: Context) => Promise<void>) => Promise<void>;

/** A command factory: a noun (with its verbs) or a verb, given the runner. */
export type CommandFactory = (run: Runner) => Command;

/** Registry warnings about bad records go to stderr instead of being lost. */
export function createRegistry(redis: RedisClient, out: Output): Registry {
  return new Registry(redis, {
    onInvalid: (bad) => out.warn(`skipping invalid record ${bad.key}: ${bad.problem}`),
    actor: gwctlActor(),
    onAuditError: (e) => out.warn(`the change was made but not written to the audit log: ${(e as Error).message}`),
  });
}
