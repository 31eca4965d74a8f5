import { Command } from 'commander';
import { maskSecret, type Provider } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { collect } from '../../parse.js';
import { authPrefixWarning, checkedBaseUrl, needsSecret, providerChange, withProviderAliases, withProviderFlags, withStdinSecrets, type ProviderFlags } from './options.js';
import { mustGetProvider } from './show.js';

export interface ProviderEditOptions extends ProviderFlags {
  name: string;
  /** Secrets to append: literals or `env:NAME`. */
  addApiKey?: string[];
  /** Secrets to remove: 1-based index (`2` or `#2`), masked form as shown, `env:NAME`, or the literal. */
  removeApiKey?: string[];
  /** Extra headers to remove, by name. */
  removeHeader?: string[];
  enable?: boolean;
  disable?: boolean;
}

/** Resolve removal refs against the current secrets; each must match exactly one. */
export function secretsAfterRemoval(secrets: readonly string[], refs: readonly string[]): string[] {
  const drop = new Set<number>();
  for (const ref of refs) {
    const r = ref.trim().replace(/\.\.\./g, '…');
    const index = /^#?\d+$/.test(r) ? Number(r.replace('#', '')) - 1 : -1;
    let hits = index >= 0 ? (index < secrets.length ? [index] : []) : [];
    if (index < 0) {
      hits = secrets.flatMap((s, i) => (s === r ? [i] : []));
      if (hits.length === 0) hits = secrets.flatMap((s, i) => (maskSecret(s) === r ? [i] : []));
    }
    if (hits.length === 0) throw new UserError(`--remove-api-key ${maskSecret(ref)} matches no secret (see the # column of gwctl provider show)`);
    if (hits.length > 1) throw new UserError(`--remove-api-key ${maskSecret(ref)} matches ${hits.length} secrets; use its number (#1, #2, …)`);
    drop.add(hits[0]!);
  }
  return secrets.filter((_, i) => !drop.has(i));
}

export async function providerEdit(ctx: Context, o: ProviderEditOptions): Promise<void> {
  if (o.enable && o.disable) throw new UserError('--enable and --disable exclude each other');
  await withStdinSecrets(ctx, [
    { flag: '--api-key', values: o.apiKey },
    { flag: '--add-api-key', values: o.addApiKey },
  ]);
  const change = providerChange(o);
  const touchesSecrets = change.secrets || o.addApiKey?.length || o.removeApiKey?.length;
  const touchesHeaders = o.header?.length || o.removeHeader?.length;
  if (Object.keys(change).length === 0 && !touchesSecrets && !touchesHeaders && !o.enable && !o.disable) {
    throw new UserError(`nothing to change for provider "${o.name}"; pass at least one flag (see gwctl provider edit --help)`);
  }
  const prev = await mustGetProvider(ctx, o.name);
  if (change.base_url !== undefined) change.base_url = checkedBaseUrl(ctx, change.base_url, change.type ?? prev.type);
  const p = await ctx.registry.updateProvider(o.name, (prev): Partial<Provider> => {
    // Added secrets go last, so the numbers shown by `provider show` stay valid for --remove-api-key.
    const all = [...(change.secrets ?? prev.secrets), ...(o.addApiKey ?? [])];
    const secrets = o.removeApiKey?.length ? secretsAfterRemoval(all, o.removeApiKey) : all;
    const headers = { ...prev.headers, ...Object.fromEntries(o.header ?? []) };
    for (const h of o.removeHeader ?? []) {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === h.toLowerCase());
      if (!key) throw new UserError(`--remove-header ${h}: provider "${o.name}" has no such header`);
      delete headers[key];
    }
    return {
      ...change,
      secrets: [...new Set(secrets)],
      headers,
      ...(o.enable ? { status: 'active' as const } : o.disable ? { status: 'disabled' as const } : {}),
    };
  });
  ctx.out.line(`provider ${p.name} updated: ${p.type} ${p.base_url}, ${p.secrets.length} secret(s), ${p.status}`);
  const prefixWarning = o.authPrefix ? authPrefixWarning(p) : null;
  if (prefixWarning) ctx.out.warn(prefixWarning);
  if (needsSecret(p)) ctx.out.warn(`provider ${p.name} has no secret left; requests go upstream without credentials`);
}

export function editCommand(run: Runner): Command {
  const cmd = new Command('edit').description('change a provider (only the flags given)').argument('<name>', 'provider name');
  withProviderFlags(cmd, 'edit')
    .option('--add-api-key <secret>', 'append a secret: a literal or env:NAME (repeatable); - reads them from stdin or asks without echo', collect)
    .option('--remove-api-key <ref>', 'remove a secret by number (#2), masked form (sk-a…wxyz) or env:NAME (repeatable)', collect)
    .option('--remove-header <name>', 'remove an extra header (repeatable)', collect)
    .option('--enable', 'route to it again')
    .option('--disable', 'stop routing to it (bindings stay)');
  withProviderAliases(cmd, 'edit').addHelpText(
      'after',
      `
Examples:
  gwctl provider edit openai --add-api-key env:OPENAI_API_KEY_2
  gwctl provider edit openai --remove-api-key '#1' --weight 3
  gwctl provider edit local --no-idle-timeout-ms --disable`,
    );
  return cmd.action((name: string, opts: Omit<ProviderEditOptions, 'name'>, c: Command) => run(c, (ctx) => providerEdit(ctx, { ...opts, name })));
}
