import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { parseInteger } from '../../parse.js';
import { listUpstreamModels } from './list-upstream-models.js';
import { mustGetProvider } from './show.js';

export interface ProviderModelsOptions extends FormatFlags {
  name: string;
  /** Ask the upstream's GET /models instead of printing the stored list. */
  remote?: boolean;
  /** Store the upstream list as the provider's models (implies remote). */
  import?: boolean;
  /** Bind every listed model as a public model of the same name. */
  bind?: boolean;
  timeoutMs?: number;
}

export async function providerModels(ctx: Context, o: ProviderModelsOptions): Promise<void> {
  const f = outputFormat(o);
  const p = await mustGetProvider(ctx, o.name);
  const remote = Boolean(o.remote || o.import);
  const ids = remote ? await listUpstreamModels(p, ctx.env, o.timeoutMs) : p.models;
  if (o.import) await ctx.registry.updateProvider(p.name, () => ({ models: ids }));
  const bound: string[] = [];
  if (o.bind) {
    for (const id of ids) {
      const m = await ctx.registry.getModel(id);
      if (m?.alias_of) {
        ctx.out.warn(`skipping ${id}: it is an alias of ${m.alias_of}`);
        continue;
      }
      if (m?.targets.some((t) => t.provider === p.name && t.model === id)) continue;
      await ctx.registry.bindModel(id, { provider: p.name, model: id });
      bound.push(id);
    }
  }
  if (isDataFormat(f)) return ctx.out.data({ provider: p.name, source: remote ? 'remote' : 'registry', models: ids, imported: Boolean(o.import), bound }, f);
  // Every other format is one model id per line: the ids are the names.
  if (ids.length === 0) ctx.out.info(remote ? `the upstream of ${p.name} lists no models` : `provider ${p.name} lists no models (try --remote)`);
  for (const id of ids) ctx.out.line(id);
  if (o.import) ctx.out.info(`stored ${ids.length} model(s) on provider ${p.name}`);
  if (o.bind) ctx.out.info(`bound ${bound.length} new public model(s) to ${p.name}`);
}

export function modelsCommand(run: Runner): Command {
  const cmd = new Command('models')
    .description("list a provider's models: the stored list, or the upstream's GET /models with --remote")
    .argument('<name>', 'provider name')
    .option('--remote', "ask the upstream's GET {base_url}/models with the provider's own secret")
    .option('--import', 'store the upstream list as the provider models (implies --remote)')
    .option('--bind', 'also bind each listed model as a public model of the same name')
    .option('--timeout-ms <ms>', 'upstream request deadline (default 15000)', parseInteger);
  return withOutputFlags(cmd)
    .addHelpText(
      'after',
      `
env:NAME secrets are read from this shell's environment. Summaries of --import/--bind go to stderr,
so stdout stays one model id per line.

Examples:
  gwctl provider models openai --remote
  gwctl provider models openrouter --remote --import --bind`,
    )
    .action((name: string, opts: Omit<ProviderModelsOptions, 'name'>, c: Command) => run(c, (ctx) => providerModels(ctx, { ...opts, name })));
}
