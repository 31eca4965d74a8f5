import type { RoutingPolicy } from '@llmgw/core';
import type { RequestContext, Target } from '../request-context.js';
import { POLICIES } from './policies.js';
import { targetId, type PolicyInputs } from './policy.js';
import type { Rng } from './rng.js';
import type { TargetStats } from './target-stats.js';

export interface RouterOptions {
  /** Probability that the latency policy tries another target first. */
  exploreRate: number;
  rng?: Rng;
}

/** The order in which a request's targets are tried, and the policy that chose it. */
export interface Plan {
  policy: RoutingPolicy;
  targets: Target[];
}

/** Applies the key's policy, else the model's, to the targets the request may use. */
export class Router {
  private readonly turns = new Map<string, number>();
  // One object reused for every plan, `turn` set just before the (synchronous) policy runs:
  // spreading a fresh copy per request costs more than the policy itself.
  private readonly inputs: PolicyInputs;

  constructor(stats: TargetStats, opts: RouterOptions) {
    this.inputs = {
      rng: opts.rng ?? Math.random,
      turn: 0,
      inFlight: (t) => stats.busy(targetId(t)),
      ttfb: (t) => stats.ttfb(targetId(t)),
      exploreRate: opts.exploreRate,
    };
  }

  plan(ctx: RequestContext): Plan {
    const policy = ctx.key?.policy ?? ctx.model!.policy;
    if (ctx.targets.length <= 1) return { policy, targets: ctx.targets };
    const name = ctx.model!.name;
    const turn = this.turns.get(name) ?? 0;
    this.turns.set(name, (turn + 1) % 1_000_000_007);
    this.inputs.turn = turn;
    return { policy, targets: POLICIES[policy](ctx.targets, this.inputs) };
  }
}
