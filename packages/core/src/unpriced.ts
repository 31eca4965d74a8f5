import { compileGlobs } from './glob.js';
import { priceFor } from './prices.js';
import type { Registry } from './registry.js';
import type { ApiKey, Model, Provider } from './schemas.js';

/** A key with a budget that can reach a target nobody priced: the gateway refuses it that model (or serves it at cost 0). */
export interface UnpricedReach {
  key: string;
  model: string;
  provider: string;
  upstreamModel: string;
}

function hasBudget(k: ApiKey): boolean {
  return k.budget_daily !== undefined || k.budget_monthly !== undefined;
}

/**
 * The (key, model, target) combinations among `keys` (those with a budget) and `models`
 * (default: every model) where the target has no price, neither the model's own nor from the
 * price table. A key reaches a model its allow-list matches, or one an alias names exactly
 * in its allow-list points to (the gateway's access rule), on providers it may use. For gwctl's
 * warnings when it creates such a combination.
 */
export async function unpricedReach(registry: Registry, keys: ApiKey[], models?: string[]): Promise<UnpricedReach[]> {
  const budgeted = keys.filter(hasBudget);
  if (budgeted.length === 0) return [];
  const all = await registry.listModels();
  const wanted = models ? new Set(models) : null;
  const providers = new Map<string, Provider | null>();
  const provider = async (name: string) => {
    if (!providers.has(name)) providers.set(name, await registry.getProvider(name));
    return providers.get(name)!;
  };
  // The aliases of each model (one hop: gwctl makes no chains).
  const aliases = new Map<string, string[]>();
  for (const m of all) if (m.alias_of) aliases.set(m.alias_of, [...(aliases.get(m.alias_of) ?? []), m.name]);
  const out: UnpricedReach[] = [];
  for (const m of all) {
    if (m.alias_of || (wanted && !wanted.has(m.name))) continue;
    const unpriced: Array<{ p: Provider; t: Model['targets'][number] }> = [];
    for (const t of m.targets) {
      const p = await provider(t.provider);
      if (p && !priceFor(m, p, t.model)) unpriced.push({ p, t });
    }
    if (unpriced.length === 0) continue;
    for (const k of budgeted) {
      const exact = new Set(k.models.filter((x) => !/[*?]/.test(x)));
      if (!compileGlobs(k.models)(m.name) && !(aliases.get(m.name) ?? []).some((a) => exact.has(a))) continue;
      for (const { p, t } of unpriced) {
        if (k.providers.length > 0 && !k.providers.includes(p.name)) continue;
        out.push({ key: k.name, model: m.name, provider: p.name, upstreamModel: t.model });
      }
    }
  }
  return out;
}

/** One warning line per model for gwctl. */
export function describeUnpriced(reach: UnpricedReach[]): string[] {
  const byModel = new Map<string, { keys: Set<string>; targets: Set<string> }>();
  for (const r of reach) {
    const e = byModel.get(r.model) ?? { keys: new Set(), targets: new Set() };
    e.keys.add(r.key);
    e.targets.add(`${r.provider}/${r.upstreamModel}`);
    byModel.set(r.model, e);
  }
  return [...byModel].map(
    ([model, e]) =>
      `model ${model} has no price for ${[...e.targets].join(', ')}, and key(s) with a budget can reach it (${[...e.keys].join(', ')}): ` +
      `the gateway refuses it to them (403 model_unpriced) unless GW_UNPRICED_MODELS=serve; set one with gwctl model price ${model} --input <usd> --output <usd>`,
  );
}
