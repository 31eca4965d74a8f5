import { describe, expect, it } from 'vitest';
import { costOf, priceFor, registryPrice, tablePrice } from './prices.js';

const openai = { type: 'openai' as const, base_url: 'https://api.openai.com/v1' };
const local = { type: 'openai' as const, base_url: 'http://127.0.0.1:8000/v1' };

describe('the price table (@pydantic/genai-prices)', () => {
  it('prices well-known models by their upstream name, cached input and cache writes included', () => {
    const mini = tablePrice('gpt-4o-mini', openai)!;
    expect(mini).toMatchObject({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(mini.source).toMatch(/^table:openai:/);
    const sonnet = tablePrice('claude-sonnet-4-20250514', { type: 'anthropic', base_url: 'https://api.anthropic.com' })!;
    expect(sonnet).toMatchObject({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
    for (const m of ['gemini-2.5-flash', 'deepseek-chat', 'mistral-large-latest']) expect(tablePrice(m, local), m).not.toBeNull();
  });
  it('long-context tiers: a prompt above the threshold is billed at the tier for the whole request', () => {
    const p = tablePrice('claude-sonnet-4-5', { type: 'anthropic', base_url: 'https://api.anthropic.com' })!;
    expect(p).toMatchObject({ input: 3, output: 15, cacheWrite: 3.75 });
    expect(p.tiers).toEqual([expect.objectContaining({ above: 200_000, input: 6 })]);
    expect(costOf(p, { prompt: 1000, completion: 100 })).toBeCloseTo((1000 * 3 + 100 * 15) / 1e6, 12);
    expect(costOf(p, { prompt: 300_000, completion: 100 })).toBeCloseTo((300_000 * 6 + 100 * p.tiers![0]!.output) / 1e6, 12);
    expect(p.tiers![0]!.output).toBeGreaterThan(15);
  });
  it('tells resellers apart by base URL, and a model it does not know has no price', () => {
    expect(tablePrice('openai/gpt-4o-mini', { type: 'openai', base_url: 'https://openrouter.ai/api/v1' })?.source).toMatch(/^table:openrouter:/);
    expect(tablePrice('openai/gpt-4o-mini', local)).toBeNull();
    expect(tablePrice('llama3:8b', local)).toBeNull();
    expect(tablePrice('no-such-model-anywhere', openai)).toBeNull();
  });
  it("a model's own prices win over the table", () => {
    expect(priceFor({ price_input: 1, price_output: 2 }, openai, 'gpt-4o-mini')).toEqual({ input: 1, output: 2, source: 'registry' });
    expect(priceFor({}, openai, 'gpt-4o-mini')?.input).toBe(0.15);
    expect(registryPrice({})).toBeNull();
  });
});

describe('costOf', () => {
  it('prices input and output per million tokens', () => {
    expect(costOf({ input: 2, output: 8, source: 'registry' }, { prompt: 1000, completion: 500 })).toBeCloseTo(0.002 + 0.004, 12);
  });
  it('prices cached reads and cache writes apart from the rest of the prompt', () => {
    const p = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5, source: 'registry' as const };
    expect(costOf(p, { prompt: 1000, completion: 0, cached: 800 })).toBeCloseTo((200 * 2 + 800 * 0.5) / 1e6, 12);
    expect(costOf(p, { prompt: 1000, completion: 0, cached: 500, cacheWrite: 400 })).toBeCloseTo((100 * 2 + 500 * 0.5 + 400 * 2.5) / 1e6, 12);
  });
  it('prices 1-hour cache writes apart from 5-minute ones; the table sets them at twice the input price', () => {
    const p = { input: 2, output: 8, cachedInput: 0.2, cacheWrite: 2.5, cacheWrite1h: 4, source: 'registry' as const };
    expect(costOf(p, { prompt: 1000, completion: 10, cached: 100, cacheWrite: 500, cacheWrite1h: 300 })).toBeCloseTo((400 * 2 + 100 * 0.2 + 200 * 2.5 + 300 * 4 + 10 * 8) / 1e6, 12);
    // Without a 1-hour price, a 1-hour write is billed as any cache write.
    expect(costOf({ ...p, cacheWrite1h: undefined }, { prompt: 1000, completion: 0, cacheWrite: 500, cacheWrite1h: 300 })).toBeCloseTo((500 * 2 + 500 * 2.5) / 1e6, 12);
    // A 1-hour count larger than the writes is capped by them.
    expect(costOf(p, { prompt: 100, completion: 0, cacheWrite: 10, cacheWrite1h: 50 })).toBeCloseTo((90 * 2 + 10 * 4) / 1e6, 12);
    const sonnet = tablePrice('claude-sonnet-4-20250514', { type: 'anthropic', base_url: 'https://api.anthropic.com' })!;
    expect(sonnet).toMatchObject({ input: 3, cacheWrite: 3.75, cacheWrite1h: 6 });
    expect(registryPrice({ price_input: 3, price_cache_write_1h: 6 })).toMatchObject({ cacheWrite1h: 6 });
  });
  it('bills cached tokens at the input price when no cached price is set; 0 without a price', () => {
    expect(costOf({ input: 2, output: 0, source: 'registry' }, { prompt: 1000, completion: 0, cached: 800 })).toBeCloseTo(0.002, 12);
    expect(costOf(null, { prompt: 1, completion: 1 })).toBe(0);
  });
});
