import { describe, expect, it } from 'vitest';
import { computeCost } from './pricing.js';

const u = (p: number, c: number, cached = 0) => ({ promptTokens: p, completionTokens: c, cachedTokens: cached, estimated: false });

describe('computeCost', () => {
  it('prices input and output per million tokens', () => {
    expect(computeCost({ price_input: 2, price_output: 8 }, u(1000, 500))).toBeCloseTo(0.002 + 0.004, 12);
  });
  it('prices cached tokens at the cached price and leaves them out of the input', () => {
    expect(computeCost({ price_input: 2, price_output: 8, price_cached_input: 0.5 }, u(1000, 0, 800))).toBeCloseTo((200 * 2 + 800 * 0.5) / 1e6, 12);
  });
  it('bills cached tokens at the input price when no cached price is set', () => {
    expect(computeCost({ price_input: 2 }, u(1000, 0, 800))).toBeCloseTo(0.002, 12);
  });
  it('is 0 without prices or usage', () => {
    expect(computeCost({}, u(1000, 1000))).toBe(0);
    expect(computeCost({ price_input: 1 }, null)).toBe(0);
    expect(computeCost(null, u(1, 1))).toBe(0);
  });
});
