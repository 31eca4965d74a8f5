import type { Status } from '@llmgw/core';
import type { Context } from '../../context.js';
import { mustFindKey } from './options.js';

/** `key disable` and `key enable`: the gateway rejects a disabled key at once. */
export async function setKeyStatus(ctx: Context, ref: string, status: Status): Promise<void> {
  const k = await mustFindKey(ctx, ref);
  if (k.status === status) return ctx.out.line(`key ${k.name} is already ${status}`);
  await ctx.registry.updateKey(k.hash, () => ({ status }));
  ctx.out.line(`key ${k.name} ${status === 'active' ? 'enabled' : 'disabled'}`);
}
