import type { Target } from '../request-context.js';
import type { Rng } from './rng.js';

/** What a policy may look at besides the targets; all of it is local to this pod. */
export interface PolicyInputs {
  rng: Rng;
  /** A number that grows by one per request of this model (round robin, tie breaks). */
  turn: number;
  /** Requests this pod has in flight to a target. */
  inFlight(t: Target): number;
  /** EWMA of a target's time to first byte in ms; undefined before the first sample. */
  ttfb(t: Target): number | undefined;
  /** Probability that the latency policy puts another target first. */
  exploreRate: number;
}

/** Orders a model's targets: the first is tried first, the rest are the failover order. */
export type Policy = (targets: readonly Target[], inputs: PolicyInputs) => Target[];

// Ids by provider record and upstream model (both from the registry: bounded), so the per-pod
// statistics' Maps see the same, already hashed string on every request of a target.
const ids = new WeakMap<Target['provider'], Map<string, string>>();

/** A target's identity for per-pod statistics. */
export function targetId(t: Target): string {
  let byModel = ids.get(t.provider);
  if (byModel === undefined) ids.set(t.provider, (byModel = new Map()));
  let id = byModel.get(t.model);
  if (id === undefined) byModel.set(t.model, (id = `${t.provider.name}|${t.model}`));
  return id;
}

/** The list rotated to start at `turn` (mod its length). */
export function rotate<T>(items: readonly T[], turn: number): T[] {
  const n = items.length;
  if (n <= 1) return [...items];
  const start = ((turn % n) + n) % n;
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * Sort keys for a weighted random order (Efraimidis–Spirakis): sorting by key, highest
 * first, puts each target first with probability weight / total weight, and so on down.
 */
export function weightedKeys(targets: readonly Target[], rng: Rng): number[] {
  return targets.map((t) => Math.log(1 - rng()) / Math.max(t.weight, 1e-9));
}
