import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printList, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { PROVIDER_LIST_HEAD, PROVIDER_WIDE_HEAD, toProviderRow, toProviderView, toProviderWideRow } from '../../views/provider.js';

export type ProviderListOptions = FormatFlags;

export async function providerList(ctx: Context, o: ProviderListOptions): Promise<void> {
  const f = outputFormat(o);
  const views = (await ctx.registry.listProviders()).map(toProviderView);
  printList(ctx, f, {
    items: views,
    data: () => views,
    name: (p) => p.name,
    head: PROVIDER_LIST_HEAD,
    row: toProviderRow,
    wideHead: PROVIDER_WIDE_HEAD,
    wideRow: toProviderWideRow,
    empty: 'no providers yet (add one with gwctl provider add)',
  });
}

export function listCommand(run: Runner): Command {
  const cmd = new Command('list').alias('ls').description('list providers (secrets masked)');
  return withOutputFlags(cmd).action((opts: ProviderListOptions, c: Command) => run(c, (ctx) => providerList(ctx, opts)));
}
