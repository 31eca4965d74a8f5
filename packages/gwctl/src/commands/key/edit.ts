import { Command } from 'commander';
import { EntityName } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { warnUnpriced } from '../../warn-unpriced.js';
import { checkProviders, keyChange, mustFindKey, withKeyFlags, type KeyFlags } from './options.js';

export interface KeyEditOptions extends KeyFlags {
  ref: string;
  /** Rename the key. */
  name?: string;
}

export async function keyEdit(ctx: Context, o: KeyEditOptions): Promise<void> {
  const change = keyChange(o, ctx.now());
  if (o.name !== undefined) change.name = o.name;
  if (Object.keys(change).length === 0) throw new UserError('nothing to change; pass at least one flag (see gwctl key edit --help)');
  const k = await mustFindKey(ctx, o.ref);
  await checkProviders(ctx, change.providers);
  if (o.name !== undefined && o.name !== k.name) {
    if (!EntityName.safeParse(o.name).success) throw new UserError(`--name "${o.name}": use 1-64 letters, digits, ".", "_" or "-"`);
    if ((await ctx.registry.listKeys()).some((x) => x.name === o.name)) throw new UserError(`key "${o.name}" already exists`);
  }
  const next = await ctx.registry.updateKey(k.hash, () => change);
  ctx.out.line(`key ${next.name} updated (id ${next.id})`);
  await warnUnpriced(ctx, { keys: [next] });
}

export function editCommand(run: Runner): Command {
  const cmd = new Command('edit')
    .description('change a key (only the flags given)')
    .argument('<ref>', 'key name, id or prefix')
    .option('--name <name>', 'rename the key');
  withKeyFlags(cmd, 'edit').addHelpText(
    'after',
    `
Limits and budgets are removed with their --no-… form (a value of 0 is rejected, not "unlimited").

Examples:
  gwctl key edit team-a --rpm 1200 --no-budget-daily
  gwctl key edit team-a --model-allow "gpt-4o*,claude-*" --expires 90d`,
  );
  return cmd.action((ref: string, opts: Omit<KeyEditOptions, 'ref'>, c: Command) => run(c, (ctx) => keyEdit(ctx, { ...opts, ref })));
}
