import { calcPrice, type PriceOptions } from '@pydantic/genai-prices';
import type { Model, Provider } from './schemas.js';

/**
 * What one model costs, in USD per million tokens. Where it comes from, in order:
 *   1. the public model's own prices (`gwctl model price`), for every target of it;
 *   2. the price table of `@pydantic/genai-prices` (bundled with the release, maintained by
 *      Pydantic from the providers' pages), matched on the upstream model name: first with the
 *      provider's base URL (which tells OpenRouter, Groq, Together, … apart), then with the
 *      provider type's own vendor (`anthropic`), then on the model name alone (a self-hosted or
 *      proxied `gpt-4o-mini` is priced as OpenAI's).
 * A model found in neither has no price: a key with a budget is refused it unless the operator
 * opts in (GW_UNPRICED_MODELS=serve).
 */
export interface Price {
  input: number;
  output: number;
  /** Prompt tokens read from the provider's cache (default: `input`). */
  cachedInput?: number;
  /** Prompt tokens written to the provider's cache (Anthropic; default: `input`). */
  cacheWrite?: number;
  /**
   * Prompt tokens written to the cache with a 1-hour TTL (Anthropic's `cache_control.ttl: "1h"`;
   * default: `cacheWrite`). The price table has no such price: for a model it gives a cache-write
   * price it is twice `input`, Anthropic's published multiplier (5-minute writes: 1.25×).
   */
  cacheWrite1h?: number;
  /**
   * Long-context prices (Gemini, Claude): a request whose prompt has more than `above` tokens is
   * billed entirely at the last such tier's prices. Ascending by `above`.
   */
  tiers?: PriceTier[];
  /** `registry`: the model's own prices; `table`: the price table (its model id, e.g. `anthropic:claude-sonnet-4-0`). */
  source: 'registry' | `table:${string}`;
}

/** The prices of a request whose prompt exceeds `above` tokens. */
interface PriceTier {
  above: number;
  input: number;
  output: number;
  cachedInput?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
}

type ProviderLike = Pick<Provider, 'type' | 'base_url'>;
type ModelPrices = Pick<Model, 'price_input' | 'price_output' | 'price_cached_input' | 'price_cache_write' | 'price_cache_write_1h'>;

const MILLION = 1_000_000;
const tableCache = new Map<string, Price | null>();

/** Per-million prices of the table's entry for a request with an `n`-token prompt (its tier). */
function sampleAt(upstreamModel: string, opts: PriceOptions, n: number): Omit<PriceTier, 'above'> | null {
  const at = (u: Record<string, number>) => calcPrice({ input_tokens: n, ...u }, upstreamModel, opts)?.total_price;
  const prompt = at({});
  if (prompt === undefined) return null;
  const withOutput = at({ output_tokens: MILLION }) ?? prompt;
  const cached = at({ cache_read_tokens: n });
  const write = at({ cache_write_tokens: n });
  const input = round((prompt / n) * MILLION);
  return {
    input,
    output: round(withOutput - prompt),
    ...(cached !== undefined ? { cachedInput: round((cached / n) * MILLION) } : {}),
    ...(write !== undefined ? { cacheWrite: round((write / n) * MILLION), cacheWrite1h: round(2 * input) } : {}),
  };
}

/** The prompt sizes where the table's entry changes price (tiered prices of any kind of token). */
function tierStarts(prices: Record<string, unknown>): number[] {
  const starts = new Set<number>();
  for (const v of Object.values(prices)) {
    if (v && typeof v === 'object' && Array.isArray((v as { tiers?: unknown }).tiers)) {
      for (const t of (v as { tiers: Array<{ start: number }> }).tiers) if (Number.isFinite(t.start)) starts.add(t.start);
    }
  }
  return [...starts].sort((a, b) => a - b);
}

function tryTable(upstreamModel: string, opts: PriceOptions): Price | null {
  try {
    const found = calcPrice({ input_tokens: 1 }, upstreamModel, opts);
    if (!found) return null;
    const starts = tierStarts(found.model_price);
    // Below the first tier (prices are per token within a tier).
    const base = sampleAt(upstreamModel, opts, Math.max(1, Math.min(1000, (starts[0] ?? 1001) - 1)));
    if (!base) return null;
    const tiers: PriceTier[] = [];
    for (const above of starts) {
      const t = sampleAt(upstreamModel, opts, above + 1);
      if (t) tiers.push({ above, ...t });
    }
    return { ...base, ...(tiers.length ? { tiers } : {}), source: `table:${found.provider.id}:${found.model.id}` };
  } catch {
    return null; // a model the table matches but cannot price with plain token counts
  }
}

/** USD per million with no float noise from the table's arithmetic. */
function round(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

/** The price table's entry for an upstream model served by `provider` (memoised), or null. */
export function tablePrice(upstreamModel: string, provider: ProviderLike): Price | null {
  const cacheKey = `${provider.type}\n${provider.base_url}\n${upstreamModel}`;
  const hit = tableCache.get(cacheKey);
  if (hit !== undefined) return hit;
  const found =
    tryTable(upstreamModel, { providerApiUrl: provider.base_url }) ??
    (provider.type === 'anthropic' ? tryTable(upstreamModel, { providerId: 'anthropic' }) : null) ??
    tryTable(upstreamModel, {});
  if (tableCache.size > 10_000) tableCache.clear();
  tableCache.set(cacheKey, found);
  return found;
}

/** The model's own prices, when it has an input or an output price. */
export function registryPrice(m: ModelPrices): Price | null {
  if (m.price_input === undefined && m.price_output === undefined) return null;
  return {
    input: m.price_input ?? 0,
    output: m.price_output ?? 0,
    ...(m.price_cached_input !== undefined ? { cachedInput: m.price_cached_input } : {}),
    ...(m.price_cache_write !== undefined ? { cacheWrite: m.price_cache_write } : {}),
    ...(m.price_cache_write_1h !== undefined ? { cacheWrite1h: m.price_cache_write_1h } : {}),
    source: 'registry',
  };
}

/** What a request served by (`provider`, `upstreamModel`) for public model `m` costs per million tokens; null = unpriced. */
export function priceFor(m: ModelPrices, provider: ProviderLike, upstreamModel: string): Price | null {
  return registryPrice(m) ?? tablePrice(upstreamModel, provider);
}

/** Token counts to price (`prompt` includes the cached and cache-write tokens). */
export interface PricedUsage {
  prompt: number;
  completion: number;
  cached?: number;
  /** Cache writes of any TTL. */
  cacheWrite?: number;
  /** The part of `cacheWrite` written with a 1-hour TTL. */
  cacheWrite1h?: number;
}

/** Cost in USD of `u` at `p`, rounded to a nano-dollar (so that counters summed in Redis collect no float noise). */
export function costOf(price: Price | null, u: PricedUsage): number {
  if (!price) return 0;
  let p: Omit<PriceTier, 'above'> = price;
  if (price.tiers) for (const t of price.tiers) if (u.prompt > t.above) p = t;
  const cached = Math.min(u.cached ?? 0, u.prompt);
  const write = Math.min(u.cacheWrite ?? 0, u.prompt - cached);
  const write1h = Math.min(u.cacheWrite1h ?? 0, write);
  const plain = u.prompt - cached - write;
  const writePrice = p.cacheWrite ?? p.input;
  const cost =
    (plain * p.input + cached * (p.cachedInput ?? p.input) + (write - write1h) * writePrice + write1h * (p.cacheWrite1h ?? writePrice) + u.completion * p.output) / MILLION;
  return Math.round(cost * 1e9) / 1e9;
}
