import type { RequestContext, Target } from '../pipeline/context.js';

/** Decides the order in which a request's targets are tried. */
export interface Router {
  plan(ctx: RequestContext): Target[];
}

/** Round robin across the model's targets; the rest of the list is the failover order. */
export class RoundRobinRouter implements Router {
  private readonly counters = new Map<string, number>();

  plan(ctx: RequestContext): Target[] {
    const targets = ctx.targets;
    if (targets.length <= 1) return targets;
    const key = ctx.model!.name;
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, (n + 1) % 1_000_000_007);
    const start = n % targets.length;
    return [...targets.slice(start), ...targets.slice(0, start)];
  }
}
