import { Argument, Command } from 'commander';
import { ROUTING_POLICIES, type RoutingPolicy } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { parsePolicy } from '../../parse.js';
import { mustGetModel } from './show.js';

export interface ModelPolicyOptions {
  name: string;
  policy: RoutingPolicy;
}

export async function modelPolicy(ctx: Context, o: ModelPolicyOptions): Promise<void> {
  const m = await mustGetModel(ctx, o.name);
  if (m.alias_of) throw new UserError(`"${o.name}" is an alias of "${m.alias_of}"; set the policy there`);
  await ctx.registry.updateModel(o.name, () => ({ policy: o.policy }));
  ctx.out.line(`model ${o.name} now routes with ${o.policy}`);
}

export function policyCommand(run: Runner): Command {
  return new Command('policy')
    .description("set a model's routing policy")
    .argument('<name>', 'public model name')
    .addArgument(new Argument('<policy>', 'routing policy (rr, failover, least_conn… also accepted)').choices(ROUTING_POLICIES).argParser(parsePolicy))
    .action((name: string, policy: RoutingPolicy, _o: object, c: Command) => run(c, (ctx) => modelPolicy(ctx, { name, policy })));
}
