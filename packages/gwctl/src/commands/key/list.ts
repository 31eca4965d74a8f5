import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printList, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { KEY_LIST_HEAD, KEY_WIDE_HEAD, toKeyRow, toKeyView, toKeyWideRow } from '../../views/key.js';

export type KeyListOptions = FormatFlags;

export async function keyList(ctx: Context, o: KeyListOptions): Promise<void> {
  const now = ctx.now();
  const keys = (await ctx.registry.listKeys()).sort((a, b) => a.name.localeCompare(b.name));
  printList(ctx, outputFormat(o), {
    items: keys,
    data: () => keys.map((k) => toKeyView(k, now)),
    name: (k) => k.name,
    head: KEY_LIST_HEAD,
    row: (k) => toKeyRow(k, now),
    wideHead: KEY_WIDE_HEAD,
    wideRow: (k) => toKeyWideRow(k, now),
    empty: 'no keys yet (create one with gwctl key add)',
  });
}

export function listCommand(run: Runner): Command {
  const cmd = new Command('list').alias('ls').description('list gateway keys (never the raw keys)');
  return withOutputFlags(cmd).action((opts: KeyListOptions, c: Command) => run(c, (ctx) => keyList(ctx, opts)));
}
