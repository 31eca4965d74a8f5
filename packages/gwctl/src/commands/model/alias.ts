import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mustGetModel } from './show.js';

export interface ModelAliasOptions {
  alias: string;
  target: string;
}

export async function modelAlias(ctx: Context, o: ModelAliasOptions): Promise<void> {
  const target = await mustGetModel(ctx, o.target);
  if (target.alias_of) throw new UserError(`"${o.target}" is itself an alias of "${target.alias_of}"; alias that model instead`);
  const existing = await ctx.registry.getModel(o.alias);
  if (existing && !existing.alias_of) {
    throw new UserError(`"${o.alias}" is a model with ${existing.targets.length} target(s); unbind them before turning it into an alias`);
  }
  await ctx.registry.putModel({ name: o.alias, alias_of: o.target, targets: [] });
  ctx.out.line(`model ${o.alias} is now an alias of ${o.target}`);
}

export function aliasCommand(run: Runner): Command {
  return new Command('alias')
    .description('make a public name an alias of another model (created or re-pointed)')
    .argument('<alias>', 'the new public name')
    .argument('<target>', 'an existing (non-alias) model')
    .addHelpText('after', '\nExample:\n  gwctl model alias gpt-4o-latest gpt-4o')
    .action((alias: string, target: string, _o: object, c: Command) => run(c, (ctx) => modelAlias(ctx, { alias, target })));
}
