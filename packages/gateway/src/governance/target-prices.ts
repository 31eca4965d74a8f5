import { priceFor, type Model, type Price, type Provider } from '@llmgw/core';
import { Errors } from '../errors/catalog.js';
import type { Target } from '../request-context.js';

// Per model record and provider record (new objects after any edit), per upstream model: its price (null = unpriced).
const memo = new WeakMap<Model, WeakMap<Provider, Map<string, Price | null>>>();

/** What a request for `model` costs per million tokens when `target` serves it (memoised); null = no price. */
export function targetPrice(model: Model, target: Target): Price | null {
  let byProvider = memo.get(model);
  if (!byProvider) memo.set(model, (byProvider = new WeakMap()));
  let byModel = byProvider.get(target.provider);
  if (!byModel) byProvider.set(target.provider, (byModel = new Map()));
  let price = byModel.get(target.model);
  if (price === undefined) byModel.set(target.model, (price = priceFor(model, target.provider, target.model)));
  return price;
}

/** How a key with a budget is served a model with no price. */
export type UnpricedPolicy = 'refuse' | 'serve';

/**
 * For a key with a budget: the targets whose spend can be counted. With `refuse`, unpriced
 * targets are dropped, and a model with none priced is refused (403 model_unpriced, naming the
 * fix); with `serve`, every target stays and the unpriced ones cost 0. Returns the unpriced
 * targets that stay (for the warning), or null when there are none.
 */
export function pricedTargets(model: Model, publicModel: string, targets: Target[], policy: UnpricedPolicy): { targets: Target[]; unpriced: Target[] | null } {
  let unpriced: Target[] | null = null;
  for (const t of targets) if (targetPrice(model, t) === null) (unpriced ??= []).push(t);
  if (!unpriced) return { targets, unpriced: null };
  if (policy === 'serve') return { targets, unpriced };
  if (unpriced.length === targets.length) {
    const what = unpriced.map((t) => `upstream model \`${t.model}\` on provider ${t.provider.name}`).join(', ');
    throw Errors.modelUnpriced(publicModel, `${what}: not in the price table and no price set`);
  }
  return { targets: targets.filter((t) => !unpriced.includes(t)), unpriced: null };
}
