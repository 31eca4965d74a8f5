import { rotate, type Policy } from './policy.js';

/**
 * Lowest recent time to first byte first (an EWMA kept by this pod). Targets never measured
 * come first so each gets a sample; with probability `exploreRate` a random other target
 * leads, so a provider that was slow (or cooled down) and has recovered gets measured again.
 */
export const latency: Policy = (targets, { rng, turn, ttfb, exploreRate }) => {
  const order = rotate(targets, turn)
    .map((t) => ({ t, ms: ttfb(t) ?? -1 }))
    .sort((a, b) => a.ms - b.ms)
    .map((x) => x.t);
  if (order.length > 1 && rng() < exploreRate) {
    const i = 1 + Math.floor(rng() * (order.length - 1));
    order.unshift(...order.splice(i, 1));
  }
  return order;
};
