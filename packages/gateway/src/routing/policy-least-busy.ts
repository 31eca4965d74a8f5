import { rotate, type Policy } from './policy.js';

/**
 * Fewest requests in flight first. The counts are this pod's own (no Redis on the hot path);
 * behind a load balancer spreading requests evenly, each pod's view is a fair sample.
 * Ties go round robin.
 */
export const leastBusy: Policy = (targets, { turn, inFlight }) =>
  rotate(targets, turn)
    .map((t) => ({ t, n: inFlight(t) }))
    .sort((a, b) => a.n - b.n)
    .map((x) => x.t);
