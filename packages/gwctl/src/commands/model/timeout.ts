import { Command } from 'commander';
import type { Model } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { UserError } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { mustGetModel } from './show.js';

export interface ModelTimeoutOptions extends FormatFlags {
  name: string;
  /** Milliseconds; `false` (a --no-… flag) removes the model's own value. */
  firstByteTimeoutMs?: number | false;
  idleTimeoutMs?: number | false;
}

type Timeouts = Pick<Model, 'first_byte_timeout_ms' | 'idle_timeout_ms'>;

const show = (v?: number) => (v === undefined ? "the provider's, else the gateway default" : `${v} ms`);

export async function modelTimeout(ctx: Context, o: ModelTimeoutOptions): Promise<void> {
  const f = outputFormat(o);
  const m = await mustGetModel(ctx, o.name);
  if (m.alias_of) throw new UserError(`"${o.name}" is an alias of "${m.alias_of}"; set the timeouts there`);
  const change: Partial<Timeouts> = {};
  const set = (field: keyof Timeouts, v: number | false | undefined, flag: string) => {
    if (v === undefined) return;
    if (v !== false && v <= 0) throw new UserError(`${flag} must be a positive number of milliseconds (remove it with --no-${flag.slice(2)})`);
    change[field] = v === false ? undefined : v;
  };
  set('first_byte_timeout_ms', o.firstByteTimeoutMs, '--first-byte-timeout-ms');
  set('idle_timeout_ms', o.idleTimeoutMs, '--idle-timeout-ms');
  const updated = Object.keys(change).length ? await ctx.registry.updateModel(o.name, () => change) : m;
  const t = { first_byte_timeout_ms: updated.first_byte_timeout_ms, idle_timeout_ms: updated.idle_timeout_ms };
  if (isDataFormat(f)) return ctx.out.data({ name: updated.name, ...t }, f);
  ctx.out.line(`model ${updated.name}: first byte ${show(t.first_byte_timeout_ms)}, idle stream ${show(t.idle_timeout_ms)}`);
}

export function timeoutCommand(run: Runner): Command {
  const cmd = new Command('timeout')
    .description("set a model's first-byte and idle-stream timeouts (they win over the provider's and the gateway defaults); without flags, show them")
    .argument('<name>', 'public model name')
    .option('--first-byte-timeout-ms <ms>', 'longest wait for the response headers on any target of this model', parseInteger)
    .option('--idle-timeout-ms <ms>', 'longest silence between two body chunks on any target of this model', parseInteger)
    .option('--no-first-byte-timeout-ms', "remove the model's first-byte timeout")
    .option('--no-idle-timeout-ms', "remove the model's idle timeout");
  return withOutputFlags(cmd, REPORT_FORMATS)
    .addHelpText(
      'after',
      `
A non-streamed answer's headers come with its last token: give slow reasoning models a longer
first-byte timeout, fast ones a shorter one so that a hung provider is left sooner.

Examples:
  gwctl model timeout o3 --first-byte-timeout-ms 600000 --idle-timeout-ms 300000
  gwctl model timeout text-embedding-3-small --first-byte-timeout-ms 10000
  gwctl model timeout o3 --no-first-byte-timeout-ms`,
    )
    .action((name: string, opts: Omit<ModelTimeoutOptions, 'name'>, c: Command) => run(c, (ctx) => modelTimeout(ctx, { ...opts, name })));
}
