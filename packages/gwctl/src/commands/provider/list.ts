import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { PROVIDER_LIST_HEAD, toProviderRow, toProviderView } from '../../views/provider.js';

export interface ProviderListOptions {
  json?: boolean;
}

export async function providerList(ctx: Context, o: ProviderListOptions): Promise<void> {
  const providers = await ctx.registry.listProviders();
  if (o.json) return ctx.out.json(providers.map(toProviderView));
  if (providers.length === 0) return ctx.out.line('no providers yet (add one with gwctl provider add)');
  ctx.out.table(PROVIDER_LIST_HEAD, providers.map(toProviderRow));
}

export function listCommand(run: Runner): Command {
  return new Command('list')
    .alias('ls')
    .description('list providers')
    .option('--json', 'machine-readable output (secrets masked)')
    .action((opts: ProviderListOptions, c: Command) => run(c, (ctx) => providerList(ctx, opts)));
}
