import type { RoutingPolicy } from '@llmgw/core';
import type { Policy } from './policy.js';
import { latency } from './policy-latency.js';
import { leastBusy } from './policy-least-busy.js';
import { priority } from './policy-priority.js';
import { roundRobin } from './policy-round-robin.js';
import { weighted } from './policy-weighted.js';

/** Every routing policy by name; a policy added to core and missing here fails to compile. */
export const POLICIES = {
  'round-robin': roundRobin,
  weighted,
  priority,
  'least-busy': leastBusy,
  latency,
} satisfies Record<RoutingPolicy, Policy>;
