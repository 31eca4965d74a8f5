import type { Model } from '@llmgw/core';
import type { Usage } from '../pipeline/context.js';

/**
 * Cost in USD of one request's usage at the model's prices (USD per million tokens).
 * Cached prompt tokens are priced at `price_cached_input` (the input price when unset) and
 * left out of the input count. A model without prices costs 0.
 */
export function computeCost(model: Pick<Model, 'price_input' | 'price_output' | 'price_cached_input'> | null, u: Usage | null): number {
  if (!model || !u) return 0;
  const input = model.price_input ?? 0;
  const output = model.price_output ?? 0;
  const cachedPrice = model.price_cached_input ?? input;
  const cached = Math.min(u.cachedTokens, u.promptTokens);
  const cost = ((u.promptTokens - cached) * input + cached * cachedPrice + u.completionTokens * output) / 1_000_000;
  // Round to a nano-dollar so that counters summed in Redis do not collect float noise.
  return Math.round(cost * 1e9) / 1e9;
}
