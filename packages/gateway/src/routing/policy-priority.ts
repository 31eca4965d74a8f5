import { weightedKeys, type Policy } from './policy.js';

/** Lowest priority value first, the others as ordered fallbacks; equal priorities share by weight. */
export const priority: Policy = (targets, { rng }) => {
  const keys = weightedKeys(targets, rng);
  return targets
    .map((t, i) => ({ t, k: keys[i]! }))
    .sort((a, b) => a.t.priority - b.t.priority || b.k - a.k)
    .map((x) => x.t);
};
