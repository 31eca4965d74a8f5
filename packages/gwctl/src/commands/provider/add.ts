import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { authPrefixWarning, checkedBaseUrl, needsSecret, providerChange, withProviderAliases, withProviderFlags, withStdinSecrets, type ProviderFlags } from './options.js';

export interface ProviderAddOptions extends ProviderFlags {
  name: string;
  disabled?: boolean;
}

export async function providerAdd(ctx: Context, o: ProviderAddOptions): Promise<void> {
  if (await ctx.registry.getProvider(o.name)) throw new UserError(`provider "${o.name}" already exists`, `change it with gwctl provider edit ${o.name}`);
  await withStdinSecrets(ctx, [{ flag: '--api-key', values: o.apiKey }]);
  const change = providerChange(o);
  change.base_url ??= await ctx.prompt.input('Base URL (OpenAI convention, including /v1):', { flag: '--base-url' });
  change.base_url = checkedBaseUrl(ctx, change.base_url, change.type ?? 'openai');
  if (!change.secrets && change.auth_type !== 'none' && ctx.prompt.interactive) {
    const s = await ctx.prompt.secret('Upstream API key (literal or env:NAME; empty for none):', { flag: '--api-key', default: '' });
    if (s.trim()) change.secrets = [s.trim()];
  }
  const headers = Object.fromEntries(o.header ?? []);
  const p = await ctx.registry.addProvider({
    ...change,
    name: o.name,
    base_url: change.base_url,
    headers,
    status: o.disabled ? 'disabled' : 'active',
  });
  ctx.out.line(`provider ${p.name} added: ${p.type} ${p.base_url}, ${p.secrets.length} secret(s), ${p.status}`);
  const prefixWarning = o.authPrefix ? authPrefixWarning(p) : null;
  if (prefixWarning) ctx.out.warn(prefixWarning);
  if (needsSecret(p)) ctx.out.warn(`provider ${p.name} has no secret; requests go upstream without credentials (add one with gwctl provider edit ${p.name} --add-api-key …)`);
}

export function addCommand(run: Runner): Command {
  const cmd = new Command('add')
    .description('add an upstream provider')
    .argument('<name>', 'provider name (letters, digits, . _ -)')
    .option('--disabled', 'add it disabled (routes nothing until enabled)');
  withProviderAliases(withProviderFlags(cmd, 'add'), 'add').addHelpText(
    'after',
    `
Examples:
  gwctl provider add openai --base-url https://api.openai.com/v1 --api-key-env OPENAI_API_KEY --models gpt-4o-mini,gpt-4o
  gwctl provider add openrouter --base-url https://openrouter.ai/api/v1 --api-key sk-or-... --weight 2
  gwctl provider add azure --type azure --base-url https://x.openai.azure.com --api-key-env AZURE_KEY   (then: gwctl model bind gpt-4o --provider azure --upstream-model <deployment>)
  gwctl provider add azure-v1 --base-url https://x.openai.azure.com/openai/v1 --auth-header api-key --api-key-env AZURE_KEY   (Azure's OpenAI-compatible v1 API)
  gwctl provider add gemini --type gemini --base-url https://generativelanguage.googleapis.com/v1beta --api-key-env GEMINI_API_KEY   (then: gwctl model bind flash --provider gemini --upstream-model gemini-2.5-flash)
  gwctl provider add gemini-oai --base-url https://generativelanguage.googleapis.com/v1beta/openai --auth-header x-goog-api-key --api-key-env GEMINI_API_KEY
  gwctl provider add custom --base-url https://llm.example.com/v1 --auth-header Authorization --auth-prefix "Token " --api-key-env CUSTOM_KEY
  gwctl provider add local --base-url http://127.0.0.1:8000/v1 --auth-type none
  gwctl provider add vault --base-url https://api.openai.com/v1 --api-key - < key.txt   (the secret stays out of shell history)

A bare host of a well-known API gets its path (https://api.openai.com → https://api.openai.com/v1,
said on stderr); any other URL without a path is kept, with a warning.`,
  );
  return cmd.action((name: string, opts: Omit<ProviderAddOptions, 'name'>, c: Command) =>
    run(c, (ctx) => providerAdd(ctx, { ...opts, name })),
  );
}
