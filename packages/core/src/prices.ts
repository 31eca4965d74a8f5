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
  /** `registry`: the model's own prices; `table`: the price table (its model id, e.g. `anthropic:claude-sonnet-4-0`). */
  source: 'registry' | `table:${string}`;
}

type ProviderLike = Pick<Provider, 'type' | 'base_url'>;
type ModelPrices = Pick<Model, 'price_input' | 'price_output' | 'price_cached_input' | 'price_cache_write'>;

const MILLION = 1_000_000;
const tableCache = new Map<string, Price | null>();

function tryTable(upstreamModel: string, opts: PriceOptions): Price | null {
  try {
    const input = calcPrice({ input_tokens: MILLION }, upstreamModel, opts);
    if (!input) return null;
    const output = calcPrice({ output_tokens: MILLION }, upstreamModel, opts);
    const cached = calcPrice({ input_tokens: MILLION, cache_read_tokens: MILLION }, upstreamModel, opts);
    const write = calcPrice({ input_tokens: MILLION, cache_write_tokens: MILLION }, upstreamModel, opts);
    return {
      input: round(input.total_price),
      output: round(output?.total_price ?? 0),
      ...(cached ? { cachedInput: round(cached.total_price) } : {}),
      ...(write ? { cacheWrite: round(write.total_price) } : {}),
      source: `table:${input.provider.id}:${input.model.id}`,
    };
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
  cacheWrite?: number;
}

/** Cost in USD of `u` at `p`, rounded to a nano-dollar (so that counters summed in Redis collect no float noise). */
export function costOf(p: Price | null, u: PricedUsage): number {
  if (!p) return 0;
  const cached = Math.min(u.cached ?? 0, u.prompt);
  const write = Math.min(u.cacheWrite ?? 0, u.prompt - cached);
  const plain = u.prompt - cached - write;
  const cost = (plain * p.input + cached * (p.cachedInput ?? p.input) + write * (p.cacheWrite ?? p.input) + u.completion * p.output) / MILLION;
  return Math.round(cost * 1e9) / 1e9;
}
