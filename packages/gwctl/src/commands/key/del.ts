import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mustFindKey } from './options.js';

export interface KeyDelOptions {
  ref: string;
}

export async function keyDel(ctx: Context, o: KeyDelOptions): Promise<void> {
  const k = await mustFindKey(ctx, o.ref);
  if (!(await ctx.prompt.confirm(`Delete key ${k.name} (${k.prefix}…)?`, `delete key ${k.name}`))) throw new UserError('cancelled; nothing was changed');
  await ctx.registry.deleteKey(k.hash);
  ctx.out.line(`key ${k.name} deleted`);
}

export function delCommand(run: Runner): Command {
  return new Command('del')
    .alias('rm')
    .description('delete a key')
    .argument('<ref>', 'key name, id or prefix')
    .addHelpText('after', '\nAsks for confirmation; pass --yes in scripts (without a terminal, --yes is required).')
    .action((ref: string, _o: object, c: Command) => run(c, (ctx) => keyDel(ctx, { ref })));
}
