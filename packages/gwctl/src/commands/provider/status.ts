import { Command } from 'commander';
import { readProviderStatus, type HealthView } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { mustGetProvider } from './show.js';

export interface ProviderStatusOptions extends FormatFlags {
  name?: string;
}

const HEAD = ['provider', 'subject', 'state', 'fails', 'cooldown until', 'level', 'probes', 'last reason'];

function row(provider: string, subject: string, h: HealthView): Array<string | number | null> {
  const until = h.cooldown_until ? `${h.cooldown_until} (${Math.ceil(h.cooldown_left_ms / 1000)}s)` : null;
  return [provider, subject, h.state, h.fails, until, h.level, h.probes, h.last_reason];
}

export async function providerStatus(ctx: Context, o: ProviderStatusOptions): Promise<void> {
  const f = outputFormat(o);
  const providers = o.name ? [await mustGetProvider(ctx, o.name)] : await ctx.registry.listProviders();
  const views = await readProviderStatus(ctx.redis, providers, ctx.now().getTime());
  if (isDataFormat(f)) return ctx.out.data(o.name ? views[0] : views, f);
  if (f === 'name') return views.forEach((v) => ctx.out.line(v.provider));
  if (views.length === 0) return ctx.out.info('no providers yet (add one with gwctl provider add)');
  ctx.out.table(
    HEAD,
    views.flatMap((v) => [
      row(v.provider, v.status === 'active' ? 'provider' : `provider (${v.status})`, v.health),
      ...v.secrets.map((s) => row(v.provider, `secret #${s.index} ${s.secret}`, s)),
      ...v.targets.map((t) => row(v.provider, `model ${t.model} POST ${t.endpoint}`, t)),
    ]),
    { wide: f === 'wide' },
  );
  const problems = views.flatMap((v) => v.problems.map((line) => `${v.provider}: ${line}`));
  if (problems.length > 0) ctx.out.line(['problems:', ...problems.map((l) => `  ${l}`)].join('\n'));
}

export function statusCommand(run: Runner): Command {
  const cmd = new Command('status')
    .description('health shared by the gateways: failures, cooldowns and probes per provider, per secret and per upstream model')
    .argument('[name]', 'provider name (default: all)');
  return withOutputFlags(cmd).action((name: string | undefined, opts: Omit<ProviderStatusOptions, 'name'>, c: Command) => run(c, (ctx) => providerStatus(ctx, { ...opts, ...(name ? { name } : {}) })));
}
