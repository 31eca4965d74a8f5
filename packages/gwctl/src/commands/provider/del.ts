import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mustGetProvider } from './show.js';

export interface ProviderDelOptions {
  name: string;
  /** Also unbind the provider from every model; models left with no target are deleted. */
  purge?: boolean;
}

export async function providerDel(ctx: Context, o: ProviderDelOptions): Promise<void> {
  await mustGetProvider(ctx, o.name);
  const bound = await ctx.registry.modelsBoundTo(o.name);
  if (bound.length > 0 && !o.purge) {
    throw new UserError(
      `provider "${o.name}" is bound to ${bound.length} model(s): ${bound.map((m) => m.name).join(', ')}; unbind them first or pass --purge`,
    );
  }
  const emptied = bound.filter((m) => m.targets.every((t) => t.provider === o.name)).map((m) => m.name);
  const what = bound.length
    ? `Delete provider ${o.name}, unbind it from ${bound.length} model(s)${emptied.length ? ` and delete ${emptied.join(', ')} (no target left)` : ''}?`
    : `Delete provider ${o.name}?`;
  if (!(await ctx.prompt.confirm(what, `delete provider ${o.name}`))) throw new UserError('cancelled; nothing was changed');
  // Unbind first: a crash half-way leaves a provider with fewer bindings, never a binding to nothing.
  for (const m of bound) await ctx.registry.unbindModel(m.name, o.name);
  await ctx.registry.deleteProvider(o.name);
  ctx.out.line(
    `provider ${o.name} deleted` +
      (bound.length ? `; unbound from ${bound.map((m) => m.name).join(', ')}` : '') +
      (emptied.length ? `; deleted model(s) left without target: ${emptied.join(', ')}` : ''),
  );
}

export function delCommand(run: Runner): Command {
  return new Command('del')
    .alias('rm')
    .description('delete a provider (refused while models are bound to it, unless --purge)')
    .argument('<name>', 'provider name')
    .option('--purge', 'also unbind it from every model; models left without a target are deleted')
    .addHelpText('after', '\nAsks for confirmation; pass --yes in scripts (without a terminal, --yes is required).')
    .action((name: string, opts: Omit<ProviderDelOptions, 'name'>, c: Command) => run(c, (ctx) => providerDel(ctx, { ...opts, name })));
}
