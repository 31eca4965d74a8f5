import { Command } from 'commander';
import type { Model } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { outputFormat, printOne, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { toModelFields } from '../../views/model.js';

export interface ModelShowOptions extends FormatFlags {
  name: string;
}

export async function mustGetModel(ctx: Context, name: string): Promise<Model> {
  const m = await ctx.registry.getModel(name);
  if (!m) throw new UserError(`model "${name}" does not exist`, 'see gwctl model list');
  return m;
}

export async function modelShow(ctx: Context, o: ModelShowOptions): Promise<void> {
  const f = outputFormat(o);
  const m = await mustGetModel(ctx, o.name);
  const aliases = (await ctx.registry.listModels()).filter((x) => x.alias_of === m.name).map((x) => x.name);
  printOne(ctx, f, {
    data: () => ({ ...m, aliases }),
    name: m.name,
    fields: () => [...toModelFields(m), ['aliases', aliases.length ? aliases.join(', ') : '-']],
  });
}

export function showCommand(run: Runner): Command {
  const cmd = new Command('show').description('show one public model and its targets').argument('<name>', 'public model name');
  return withOutputFlags(cmd).action((name: string, opts: Omit<ModelShowOptions, 'name'>, c: Command) => run(c, (ctx) => modelShow(ctx, { ...opts, name })));
}
