import { weightedKeys, type Policy } from './policy.js';

/** Random by weight: a target comes first with probability weight / total; the rest follow the same draw. */
export const weighted: Policy = (targets, { rng }) => {
  const keys = weightedKeys(targets, rng);
  return targets.map((t, i) => ({ t, k: keys[i]! })).sort((a, b) => b.k - a.k).map((x) => x.t);
};
