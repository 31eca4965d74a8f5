import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { KEY_LIST_HEAD, toKeyRow, toKeyView } from '../../views/key.js';

export interface KeyListOptions {
  json?: boolean;
}

export async function keyList(ctx: Context, o: KeyListOptions): Promise<void> {
  const now = ctx.now();
  const keys = (await ctx.registry.listKeys()).sort((a, b) => a.name.localeCompare(b.name));
  if (o.json) return ctx.out.json(keys.map((k) => toKeyView(k, now)));
  if (keys.length === 0) return ctx.out.line('no keys yet (create one with gwctl key add)');
  ctx.out.table(KEY_LIST_HEAD, keys.map((k) => toKeyRow(k, now)));
}

export function listCommand(run: Runner): Command {
  return new Command('list')
    .alias('ls')
    .description('list gateway keys (never the raw keys)')
    .option('--json', 'machine-readable output')
    .action((opts: KeyListOptions, c: Command) => run(c, (ctx) => keyList(ctx, opts)));
}
