import { describeUnpriced, unpricedReach, type ApiKey } from '@llmgw/core';
import type { Context } from './context.js';

/**
 * Warn (stderr) when keys with a budget can now reach a model target nobody priced: the
 * gateway would refuse it to them. `keys` default: every key; `models` default: every model.
 */
export async function warnUnpriced(ctx: Context, o: { keys?: ApiKey[]; models?: string[] } = {}): Promise<void> {
  const keys = o.keys ?? (await ctx.registry.listKeys());
  for (const line of describeUnpriced(await unpricedReach(ctx.registry, keys, o.models))) ctx.out.warn(line);
}
