import { Command } from 'commander';
import type { Provider } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { outputFormat, printOne, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { toProviderFields, toProviderView } from '../../views/provider.js';
import { formatTarget } from '../../views/model.js';

export interface ProviderShowOptions extends FormatFlags {
  name: string;
}

/** The provider or a user error naming it. */
export async function mustGetProvider(ctx: Context, name: string): Promise<Provider> {
  const p = await ctx.registry.getProvider(name);
  if (!p) throw new UserError(`provider "${name}" does not exist`, 'see gwctl provider list');
  return p;
}

export async function providerShow(ctx: Context, o: ProviderShowOptions): Promise<void> {
  const f = outputFormat(o);
  const view = toProviderView(await mustGetProvider(ctx, o.name));
  const bound = await ctx.registry.modelsBoundTo(o.name);
  const bindings = bound.flatMap((m) => m.targets.filter((t) => t.provider === o.name).map((t) => `${m.name} ← ${formatTarget(t)}`));
  printOne(ctx, f, {
    data: () => ({ ...view, bound_models: bound.map((m) => m.name) }),
    name: view.name,
    fields: () => [...toProviderFields(view), ['bound models', bindings.length ? bindings.join('\n') : '-']],
  });
}

export function showCommand(run: Runner): Command {
  const cmd = new Command('show').description('show one provider (secrets masked)').argument('<name>', 'provider name');
  return withOutputFlags(cmd).action((name: string, opts: Omit<ProviderShowOptions, 'name'>, c: Command) => run(c, (ctx) => providerShow(ctx, { ...opts, name })));
}
