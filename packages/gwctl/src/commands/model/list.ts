import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { MODEL_LIST_HEAD, toModelRow } from '../../views/model.js';

export interface ModelListOptions {
  json?: boolean;
}

export async function modelList(ctx: Context, o: ModelListOptions): Promise<void> {
  const models = await ctx.registry.listModels();
  if (o.json) return ctx.out.json(models);
  if (models.length === 0) return ctx.out.line('no models yet (bind one with gwctl model bind)');
  ctx.out.table(MODEL_LIST_HEAD, models.map(toModelRow));
}

export function listCommand(run: Runner): Command {
  return new Command('list')
    .alias('ls')
    .description('list public models with their targets (provider→upstream model (weight,priority))')
    .option('--json', 'machine-readable output')
    .action((opts: ModelListOptions, c: Command) => run(c, (ctx) => modelList(ctx, opts)));
}
