import { rotate, type Policy } from './policy.js';

/** Each request starts one target further along the model's list. */
export const roundRobin: Policy = (targets, { turn }) => rotate(targets, turn);
