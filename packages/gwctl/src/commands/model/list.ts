import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printList, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { MODEL_LIST_HEAD, MODEL_WIDE_HEAD, toModelRow, toModelWideRow } from '../../views/model.js';

export type ModelListOptions = FormatFlags;

export async function modelList(ctx: Context, o: ModelListOptions): Promise<void> {
  const f = outputFormat(o);
  const models = await ctx.registry.listModels();
  printList(ctx, f, {
    items: models,
    data: () => models,
    name: (m) => m.name,
    head: MODEL_LIST_HEAD,
    row: toModelRow,
    wideHead: MODEL_WIDE_HEAD,
    wideRow: toModelWideRow,
    empty: 'no models yet (bind one with gwctl model bind)',
  });
}

export function listCommand(run: Runner): Command {
  const cmd = new Command('list').alias('ls').description('list public models with their targets (provider→upstream model (weight,priority))');
  return withOutputFlags(cmd).action((opts: ModelListOptions, c: Command) => run(c, (ctx) => modelList(ctx, opts)));
}
