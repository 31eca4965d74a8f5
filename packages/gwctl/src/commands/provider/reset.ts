import { Command, InvalidArgumentError } from 'commander';
import { healthFields, maskSecret, RT_KEYS, secretSubject } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mustGetProvider } from './show.js';

export interface ProviderResetOptions {
  name: string;
  /** 1-based number of one secret (as `provider show` lists them); default: the provider and all its secrets. */
  secret?: number;
}

/** `2` or `#2`. */
export function parseSecretNumber(value: string): number {
  const m = /^#?(\d+)$/.exec(value.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError('use the secret number shown by provider show (1, 2, … or #1, #2, …).');
  return Number(m[1]);
}

/** Clear failures, cooldowns and probes; every gateway picks it up at its next health refresh. */
export async function providerReset(ctx: Context, o: ProviderResetOptions): Promise<void> {
  const p = await mustGetProvider(ctx, o.name);
  const key = RT_KEYS.providerHealth(p.name);
  if (o.secret === undefined) {
    await ctx.redis.del(key);
    return ctx.out.line(`provider ${p.name}: health cleared (provider and ${p.secrets.length} secret(s))`);
  }
  const ref = p.secrets[o.secret - 1];
  if (ref === undefined) throw new UserError(`provider "${p.name}" has ${p.secrets.length} secret(s); there is no #${o.secret} (see gwctl provider show)`);
  await ctx.redis.hdel(key, ...healthFields(secretSubject(ref)));
  ctx.out.line(`provider ${p.name}: health of secret #${o.secret} (${maskSecret(ref)}) cleared`);
}

export function resetCommand(run: Runner): Command {
  return new Command('reset')
    .description("clear a provider's failures, cooldowns and probes (all of it, or one secret's)")
    .argument('<name>', 'provider name')
    .option('--secret <N>', 'only secret number N (#N in provider show)', parseSecretNumber)
    .action((name: string, opts: Omit<ProviderResetOptions, 'name'>, c: Command) => run(c, (ctx) => providerReset(ctx, { ...opts, name })));
}
