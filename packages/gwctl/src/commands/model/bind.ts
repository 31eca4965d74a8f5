import { Command, Option } from 'commander';
import { ROUTING_POLICIES, type RoutingPolicy } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { parseInteger, parseNumber, parsePolicy } from '../../parse.js';
import { formatTarget } from '../../views/model.js';
import { warnUnpriced } from '../../warn-unpriced.js';

export interface ModelBindOptions {
  name: string;
  provider?: string;
  /** Model name sent upstream; defaults to the public name. */
  upstreamModel?: string;
  weight?: number;
  priority?: number;
  policy?: RoutingPolicy;
}

export async function modelBind(ctx: Context, o: ModelBindOptions): Promise<void> {
  const provider =
    o.provider ?? (await ctx.prompt.select(`Provider serving ${o.name}:`, (await ctx.registry.listProviders()).map((p) => p.name), { flag: '--provider' }));
  const p = await ctx.registry.getProvider(provider);
  if (!p) throw new UserError(`unknown provider "${provider}"`, `add it first (gwctl provider add ${provider} --base-url …), or see gwctl provider list`);
  const m = await ctx.registry.bindModel(
    o.name,
    {
      provider,
      model: o.upstreamModel ?? o.name,
      ...(o.weight !== undefined ? { weight: o.weight } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
    },
    o.policy,
  );
  const t = m.targets.find((x) => x.provider === provider && x.model === (o.upstreamModel ?? o.name))!;
  ctx.out.line(`model ${m.name} → ${formatTarget(t)}; ${m.targets.length} target(s), policy ${m.policy}`);
  if (p.status === 'disabled') ctx.out.warn(`provider ${provider} is disabled; this target routes nothing until it is enabled`);
  await warnUnpriced(ctx, { models: [m.name] });
}

export function bindCommand(run: Runner): Command {
  return new Command('bind')
    .description('bind a public model name to a provider (creates the model; re-binding updates weight/priority)')
    .argument('<name>', 'public model name clients ask for')
    .option('--provider <name>', 'provider that serves it')
    .option('--upstream-model <model>', 'model name sent upstream (default: the public name)')
    .option('--weight <n>', 'share of traffic under the weighted policy (default 1)', parseNumber)
    .option('--priority <n>', 'lower runs first under the priority policy (default 0)', parseInteger)
    .addOption(new Option('--policy <policy>', 'routing policy of the model (default round-robin)').choices(ROUTING_POLICIES).argParser(parsePolicy))
    .addHelpText(
      'after',
      `
Examples:
  gwctl model bind gpt-4o-mini --provider openai
  gwctl model bind gpt-4o-mini --provider openrouter --upstream-model openai/gpt-4o-mini --weight 2`,
    )
    .action((name: string, opts: Omit<ModelBindOptions, 'name'>, c: Command) => run(c, (ctx) => modelBind(ctx, { ...opts, name })));
}
