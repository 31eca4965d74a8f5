import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mustGetModel } from './show.js';

export interface ModelDelOptions {
  name: string;
}

export async function modelDel(ctx: Context, o: ModelDelOptions): Promise<void> {
  await mustGetModel(ctx, o.name);
  const aliases = (await ctx.registry.listModels()).filter((m) => m.alias_of === o.name).map((m) => m.name);
  if (aliases.length) throw new UserError(`model "${o.name}" has aliases (${aliases.join(', ')}); delete them first`);
  if (!(await ctx.prompt.confirm(`Delete model ${o.name} and all its targets?`, `delete model ${o.name}`))) throw new UserError('cancelled; nothing was changed');
  await ctx.registry.deleteModel(o.name);
  ctx.out.line(`model ${o.name} deleted`);
}

export function delCommand(run: Runner): Command {
  return new Command('del')
    .alias('rm')
    .description('delete a public model (or an alias) with all its targets')
    .argument('<name>', 'public model name')
    .addHelpText('after', '\nAsks for confirmation; pass --yes in scripts (without a terminal, --yes is required).')
    .action((name: string, _o: object, c: Command) => run(c, (ctx) => modelDel(ctx, { name })));
}
