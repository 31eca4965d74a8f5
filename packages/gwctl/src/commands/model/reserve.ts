import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { UserError } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { mustGetModel } from './show.js';

interface ModelReserveOptions extends FormatFlags {
  name: string;
  /** Completion tokens reserved for a request without max_tokens; `false` (--no-output-tokens) goes back to the gateway default. */
  outputTokens?: number | false;
}

async function modelReserve(ctx: Context, o: ModelReserveOptions): Promise<void> {
  const f = outputFormat(o);
  const m = await mustGetModel(ctx, o.name);
  if (m.alias_of) throw new UserError(`"${o.name}" is an alias of "${m.alias_of}"; set it there`);
  if (typeof o.outputTokens === 'number' && o.outputTokens < 0) throw new UserError('--output-tokens must not be negative');
  const updated = o.outputTokens === undefined ? m : await ctx.registry.updateModel(o.name, () => ({ reserve_output_tokens: o.outputTokens === false ? undefined : o.outputTokens }));
  if (isDataFormat(f)) return ctx.out.data({ name: updated.name, reserve_output_tokens: updated.reserve_output_tokens ?? null }, f);
  ctx.out.line(
    `model ${updated.name}: a request without max_tokens reserves ${updated.reserve_output_tokens ?? 'the gateway default (GW_RESERVE_OUTPUT_TOKENS)'} completion tokens against tpm limits and budgets`,
  );
}

export function reserveCommand(run: Runner): Command {
  const cmd = new Command('reserve')
    .description('completion tokens reserved (tpm limits, budgets) for a request that sets no max_tokens; without flags, show it')
    .argument('<name>', 'public model name')
    .option('--output-tokens <n>', 'tokens to reserve (replaced by the real count when the request ends)', parseInteger)
    .option('--no-output-tokens', 'use the gateway default (GW_RESERVE_OUTPUT_TOKENS, 4096)');
  return withOutputFlags(cmd, REPORT_FORMATS)
    .addHelpText(
      'after',
      `
A request is admitted against a key's tpm limit and budgets with its prompt plus max_tokens
(or this reservation) and reconciled with its real usage afterwards: the larger the
reservation, the fewer requests run at once near a limit; the smaller, the more a long
answer without max_tokens can overshoot (see docs/guarantees.md).

Example:
  gwctl model reserve gpt-4o-mini --output-tokens 1024`,
    )
    .action((name: string, opts: Omit<ModelReserveOptions, 'name'>, c: Command) => run(c, (ctx) => modelReserve(ctx, { ...opts, name })));
}
