import { type Command, Option } from 'commander';
import { ROUTING_POLICIES, type ApiKey, type RoutingPolicy } from '@llmgw/core';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import { aliasOption } from '../../option-alias.js';
import { isDataFormat, outputFormat, type FormatFlags } from '../../output-format.js';
import { collectList, parseExpires, parseInteger, parseNumber, parsePolicy } from '../../parse.js';

/** Key settings shared by `add` and `edit`; in `edit`, `false` (a --no-… flag) removes one. */
export interface KeyFlags {
  /** Model allow-list globs (`*` = any run of characters). */
  modelAllow?: string[];
  /** Providers the key may reach; empty or false = all. */
  providerAllow?: string[] | false;
  policy?: RoutingPolicy | false;
  rpm?: number | false;
  tpm?: number | false;
  maxConcurrency?: number | false;
  /** USD per UTC day / month. */
  budgetDaily?: number | false;
  budgetMonthly?: number | false;
  /** ISO date or a duration from now (`30d`, `12h`, `90m`, `2w`). */
  expires?: string | false;
  /** MCP grants, globs over `{server}__{name}` (resources: `{server}__{uri}`); empty grants nothing. */
  mcpTools?: string[];
  mcpResources?: string[];
  mcpPrompts?: string[];
  /** MCP tool calls per minute. */
  mcpRpm?: number | false;
}

/** A grant list: comma-separated globs; '' (or only commas) grants nothing. */
const grantList = (value: string, previous: string[] | undefined) => collectList(value, previous);

export function withKeyFlags(cmd: Command, mode: 'add' | 'edit'): Command {
  const edit = mode === 'edit';
  cmd
    .option('--model-allow <globs>', `${edit ? 'replace the' : 'the'} models the key may use, comma-separated globs${edit ? '' : ' (default *)'}`, collectList)
    .option('--provider-allow <names>', `${edit ? 'replace the' : 'the'} providers the key may reach, comma-separated${edit ? '' : ' (default: all)'}`, collectList)
    .addOption(new Option('--policy <policy>', "routing policy overriding the model's").choices(ROUTING_POLICIES).argParser(parsePolicy))
    .option('--rpm <n>', 'requests per minute', parseInteger)
    .option('--tpm <n>', 'tokens per minute', parseInteger)
    .option('--max-concurrency <n>', 'requests in flight at once', parseInteger)
    .option('--budget-daily <usd>', 'spend cap per UTC day, in USD', parseNumber)
    .option('--budget-monthly <usd>', 'spend cap per UTC month, in USD', parseNumber)
    .option('--expires <when>', 'ISO date (2026-01-31) or duration from now (30d, 12h, 90m, 2w)')
    .option('--mcp-tools <globs>', `${edit ? 'replace the' : 'the'} MCP tools the key may list and call, comma-separated globs over {server}__{tool} (github__*,calc__add; * all; '' none${edit ? '' : '; default none'})`, grantList)
    .option('--mcp-resources <globs>', `${edit ? 'replace the' : 'the'} MCP resources the key may list and read, globs over {server}__{uri} (docs__*; '' none${edit ? '' : '; default none'})`, grantList)
    .option('--mcp-prompts <globs>', `${edit ? 'replace the' : 'the'} MCP prompts the key may list and get, globs over {server}__{prompt} ('' none${edit ? '' : '; default none'})`, grantList)
    .option('--mcp-rpm <n>', 'MCP tool calls per minute (tool calls also count against --rpm)', parseInteger);
  if (edit) cmd.option('--no-mcp-rpm', 'remove the MCP tool-call limit');
  if (edit) {
    cmd
      .option('--no-provider-allow', 'allow every provider again')
      .option('--no-policy', "use the model's routing policy again")
      .option('--no-rpm', 'remove the requests-per-minute limit')
      .option('--no-tpm', 'remove the tokens-per-minute limit')
      .option('--no-max-concurrency', 'remove the concurrency limit')
      .option('--no-budget-daily', 'remove the daily budget')
      .option('--no-budget-monthly', 'remove the monthly budget')
      .option('--no-expires', 'never expire');
  }
  return aliasOption(cmd, { flags: '--providers <names>', ours: '--provider-allow', from: 'one-api-nginx' });
}

/** The registry fields the flags set (only those given; `false` clears). */
export function keyChange(f: KeyFlags, now: Date): Partial<ApiKey> {
  const c: Partial<ApiKey> = {};
  const v = <T>(x: T | false) => (x === false ? undefined : x);
  if (f.modelAllow !== undefined) {
    if (f.modelAllow.length === 0) throw new UserError('--model-allow needs at least one glob (use * for all models)');
    c.models = [...new Set(f.modelAllow)];
  }
  if (f.providerAllow !== undefined) c.providers = f.providerAllow === false ? [] : [...new Set(f.providerAllow)];
  if (f.policy !== undefined) c.policy = v(f.policy);
  if (f.rpm !== undefined) c.rpm = v(f.rpm);
  if (f.tpm !== undefined) c.tpm = v(f.tpm);
  if (f.maxConcurrency !== undefined) c.max_concurrency = v(f.maxConcurrency);
  if (f.budgetDaily !== undefined) c.budget_daily = v(f.budgetDaily);
  if (f.budgetMonthly !== undefined) c.budget_monthly = v(f.budgetMonthly);
  if (f.mcpTools !== undefined) c.mcp_tools = [...new Set(f.mcpTools)];
  if (f.mcpResources !== undefined) c.mcp_resources = [...new Set(f.mcpResources)];
  if (f.mcpPrompts !== undefined) c.mcp_prompts = [...new Set(f.mcpPrompts)];
  if (f.mcpRpm !== undefined) c.mcp_rpm = v(f.mcpRpm);
  if (f.expires !== undefined) c.expires_at = f.expires === false ? undefined : parseExpires(f.expires, now);
  return c;
}

/** Every allowed provider must exist: a typo would silently lock the key out. */
export async function checkProviders(ctx: Context, providers: readonly string[] | undefined): Promise<void> {
  const unknown = await ctx.registry.unknownProviders(providers);
  if (unknown.length) throw new UserError(`unknown provider(s) in --provider-allow: ${unknown.join(', ')}`, 'add them first, or see gwctl provider list');
}

/** The key a name, id, or display prefix refers to, or a user error. */
export async function mustFindKey(ctx: Context, ref: string): Promise<ApiKey> {
  const k = await ctx.registry.findKey(ref);
  if (!k) throw new UserError(`no key matches "${ref}"`, 'use its name, id or prefix; see gwctl key list');
  return k;
}

/**
 * Print a new key: a generated one, the only time it is ever visible; an imported one
 * (`raw` null) never, since the person has it and it may have come through stdin unseen.
 * `-o json|yaml`: `{key, id, name, prefix}`, `key` null when imported.
 */
export function printNewKey(ctx: Context, k: ApiKey, raw: string | null, verb: 'created' | 'rotated', f: FormatFlags): void {
  const format = outputFormat(f);
  if (isDataFormat(format)) return ctx.out.data({ key: raw, id: k.id, name: k.name, prefix: k.prefix }, format);
  if (raw === null) return ctx.out.line(`key ${k.name} ${verb} (id ${k.id}, prefix ${k.prefix}…) with the key you gave; only its SHA-256 is stored`);
  ctx.out.line(`key ${k.name} ${verb} (id ${k.id}, prefix ${k.prefix}…)`);
  ctx.out.line('gateway key, shown only this once (only its SHA-256 is stored):');
  ctx.out.line();
  ctx.out.line(`  ${raw}`);
  ctx.out.line();
}
