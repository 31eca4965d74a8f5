import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { mustGetModel } from './show.js';

export interface ModelUnbindOptions {
  name: string;
  provider: string;
  /** Only this upstream model of the provider (default: all its targets). */
  upstreamModel?: string;
}

export async function modelUnbind(ctx: Context, o: ModelUnbindOptions): Promise<void> {
  await mustGetModel(ctx, o.name);
  const m = await ctx.registry.unbindModel(o.name, o.provider, o.upstreamModel);
  if (m) return ctx.out.line(`model ${o.name} unbound from ${o.provider}; ${m.targets.length} target(s) left`);
  ctx.out.line(`model ${o.name} unbound from ${o.provider}; it had no other target and was deleted`);
}

export function unbindCommand(run: Runner): Command {
  return new Command('unbind')
    .description('remove targets of a provider from a public model (the model is deleted when none remain)')
    .argument('<name>', 'public model name')
    .requiredOption('--provider <name>', 'provider whose targets to remove')
    .option('--upstream-model <model>', 'only the target with this upstream model')
    .action((name: string, opts: Omit<ModelUnbindOptions, 'name'>, c: Command) => run(c, (ctx) => modelUnbind(ctx, { ...opts, name })));
}
