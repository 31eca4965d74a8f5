import { type Command, InvalidArgumentError, Option } from 'commander';
import { AUTH_TYPES, normalizeBaseUrl, PROVIDER_TYPES, type Provider, type ProviderType } from '@llmgw/core';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import { aliasOption } from '../../option-alias.js';
import { collect, collectList, parseAuthType, parseHeader, parseInteger, parseNumber, type AuthTypeFlag } from '../../parse.js';

/** The provider settings `add` and `edit` share (commander's camelCase option names). */
export interface ProviderFlags {
  baseUrl?: string;
  type?: ProviderType;
  authType?: AuthTypeFlag;
  authHeader?: string;
  /** Text before the secret in the auth header's value (`false`, edit's --no-auth-prefix: none). */
  authPrefix?: string | false;
  /** Literal upstream secrets (add: the secrets; edit: replace all secrets); `-` reads them from stdin. */
  apiKey?: string[];
  /** Names of environment variables holding a secret, stored as `env:NAME`. */
  apiKeyEnv?: string[];
  models?: string[];
  weight?: number;
  priority?: number;
  timeoutMs?: number;
  /** `false` (edit's --no-…) removes the setting. */
  connectTimeoutMs?: number | false;
  firstByteTimeoutMs?: number | false;
  idleTimeoutMs?: number | false;
  /** Extra upstream headers (edit: added or replaced by name). */
  header?: Array<[string, string]>;
  /** Azure OpenAI `api-version` (`false`: back to the gateway's default). */
  apiVersion?: string | false;
}

const collectHeader = (v: string, prev: Array<[string, string]> | undefined) => [...(prev ?? []), parseHeader(v)];

/** Declare the shared flags on `cmd`; `edit` adds the --no-… forms that clear optional timeouts. */
export function withProviderFlags(cmd: Command, mode: 'add' | 'edit'): Command {
  const edit = mode === 'edit';
  cmd
    .option('--base-url <url>', 'upstream base URL: OpenAI convention including /v1 (https://api.openai.com/v1); anthropic https://api.anthropic.com/v1; azure the resource endpoint (https://NAME.openai.azure.com); gemini https://generativelanguage.googleapis.com/v1beta')
    .addOption(new Option('--type <type>', 'API dialect: openai (any OpenAI-compatible), anthropic, azure (Azure OpenAI: bound upstream models are deployment names), gemini (Google\'s Gemini API: the key goes as x-goog-api-key; bound upstream models are Gemini models, e.g. gemini-2.5-flash)').choices(PROVIDER_TYPES))
    .option('--api-version <version>', 'azure: the api-version of every call (default 2024-10-21)')
    .addOption(
      new Option('--auth-type <type>', 'how the secret is sent: bearer (Authorization: Bearer), header (--auth-header), none; a header name (x-api-key) means header with that name')
        .choices(AUTH_TYPES)
        .argParser(parseAuthType),
    )
    .option('--auth-header <name>', 'header that carries the secret when --auth-type header (implies it), e.g. api-key')
    .option('--auth-prefix <text>', 'text put before the secret in --auth-header\'s value, verbatim: "Token " gives Authorization: Token <secret> (implies --auth-type header)')
    .option(
      '--api-key <secret>',
      `${edit ? 'replace all secrets with this literal secret' : 'a literal upstream secret'} (repeatable; several are rotated); - reads them from stdin, one per line, or asks on a terminal without echo`,
      collect,
    )
    .option('--api-key-env <NAME>', edit ? 'replace all secrets with env:NAME references (repeatable)' : 'read the secret from env var NAME where the gateway runs; stored as env:NAME (repeatable)', collect)
    .option('--models <a,b>', edit ? 'replace the upstream models this provider serves (comma-separated)' : 'upstream models this provider serves (comma-separated, repeatable)', collectList)
    .option('--weight <n>', 'share of traffic under the weighted policy (> 0, default 1)', parseNumber)
    .option('--priority <n>', 'lower runs first under the priority policy (default 0)', parseInteger)
    .option('--timeout-ms <ms>', 'whole-request deadline (default 600000)', parseInteger)
    .option('--connect-timeout-ms <ms>', 'TCP/TLS connect deadline', parseInteger)
    .option('--first-byte-timeout-ms <ms>', 'deadline for the response headers (a model\'s own wins; default GW_FIRST_BYTE_TIMEOUT_MS)', parseInteger)
    .option('--idle-timeout-ms <ms>', 'longest silence between two body chunks (a model\'s own wins; default GW_STREAM_IDLE_TIMEOUT_MS)', parseInteger)
    .option('--header <"Name: value">', edit ? 'add or replace an extra upstream header (repeatable)' : 'an extra header sent upstream on every request (repeatable)', collectHeader);
  if (edit) {
    cmd
      .option('--no-connect-timeout-ms', 'remove the connect deadline')
      .option('--no-first-byte-timeout-ms', 'remove the first-byte deadline')
      .option('--no-idle-timeout-ms', 'remove the idle deadline')
      .option('--no-api-version', "azure: back to the gateway's default api-version")
      .option('--no-auth-prefix', 'send the secret alone in --auth-header');
  }
  return cmd;
}

/** Other gateways' spellings of the flags (after the command's own flags are declared). */
export function withProviderAliases(cmd: Command, mode: 'add' | 'edit'): Command {
  aliasOption(cmd, { flags: '--auth-value <secret>', ours: '--api-key', from: 'one-api-nginx' });
  if (mode === 'add') {
    aliasOption(cmd, {
      flags: '--status <status>',
      ours: '--disabled',
      from: 'one-api-nginx: active or disabled',
      value: (v) => {
        if (v !== 'active' && v !== 'disabled') throw new InvalidArgumentError('use active or disabled.');
        return v === 'disabled';
      },
    });
  }
  return cmd;
}

/** `-`, the value of a secret flag that reads the secrets from stdin. */
const FROM_STDIN = '-';

/**
 * Replace a `-` among the literal secrets with the secrets read from stdin (one per line,
 * blank lines skipped) or asked on a terminal. Standard input can be read once: one `-` in all.
 */
export async function withStdinSecrets(ctx: Context, lists: { flag: string; values: string[] | undefined }[]): Promise<void> {
  const dashes = lists.flatMap((l) => (l.values ?? []).filter((v) => v === FROM_STDIN).map(() => l.flag));
  if (dashes.length === 0) return;
  if (dashes.length > 1) throw new UserError(`${dashes.join(' - and ')} -: standard input can be read once`, 'give - to one secret flag only');
  const flag = dashes[0]!;
  const read = (await ctx.readSecret(flag, 'Upstream API key'))
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (read.length === 0) throw new UserError(`${flag} -: no secret on standard input`);
  for (const l of lists) {
    const i = l.values?.indexOf(FROM_STDIN) ?? -1;
    if (i >= 0) l.values!.splice(i, 1, ...read);
  }
}

/**
 * The base URL to store for `type`: a well-known host's bare origin gets its API path (said
 * on stderr), an unknown bare host is kept with a warning (see core's normalizeBaseUrl).
 */
export function checkedBaseUrl(ctx: Context, url: string, type: ProviderType): string {
  const check = normalizeBaseUrl(url, type);
  if (check.kind === 'appended') ctx.out.info(`note: ${check.message}`);
  if (check.kind === 'no-path') ctx.out.warn(check.message);
  return check.url;
}

/** `--api-key` and `--api-key-env` as stored secret references. */
function secretsFrom(f: ProviderFlags): string[] | undefined {
  if (!f.apiKey && !f.apiKeyEnv) return undefined;
  return [...(f.apiKey ?? []), ...(f.apiKeyEnv ?? []).map((n) => `env:${n.replace(/^env:/, '')}`)];
}

/** The registry fields the flags set (only those given; `false` clears). */
export function providerChange(f: ProviderFlags): Partial<Provider> {
  const c: Partial<Provider> = {};
  const optional = (v: number | false | undefined) => (v === false ? undefined : v);
  if (f.baseUrl !== undefined) c.base_url = f.baseUrl;
  if (f.type !== undefined) c.type = f.type;
  if (f.authHeader !== undefined) {
    c.auth_header = f.authHeader;
    c.auth_type = 'header';
  }
  if (f.authPrefix !== undefined) {
    c.auth_prefix = f.authPrefix === false || f.authPrefix === '' ? undefined : f.authPrefix;
    if (c.auth_prefix !== undefined) c.auth_type = 'header';
  }
  if (f.authType !== undefined) {
    const [type, header] = f.authType.split(':') as [Provider['auth_type'], string | undefined];
    c.auth_type = type;
    if (header && f.authHeader === undefined) c.auth_header = header;
  }
  // A prefix belongs to the header form only: leaving it drops the prefix.
  if (c.auth_type !== undefined && c.auth_type !== 'header') c.auth_prefix = undefined;
  const secrets = secretsFrom(f);
  if (secrets) c.secrets = secrets;
  if (f.models !== undefined) c.models = [...new Set(f.models)];
  if (f.weight !== undefined) c.weight = f.weight;
  if (f.priority !== undefined) c.priority = f.priority;
  if (f.timeoutMs !== undefined) c.timeout_ms = f.timeoutMs;
  if (f.connectTimeoutMs !== undefined) c.connect_timeout_ms = optional(f.connectTimeoutMs);
  if (f.firstByteTimeoutMs !== undefined) c.first_byte_timeout_ms = optional(f.firstByteTimeoutMs);
  if (f.idleTimeoutMs !== undefined) c.idle_timeout_ms = optional(f.idleTimeoutMs);
  if (f.apiVersion !== undefined) c.api_version = f.apiVersion === false ? undefined : f.apiVersion;
  return c;
}

export function needsSecret(p: Pick<Provider, 'auth_type' | 'secrets'>): boolean {
  return p.auth_type !== 'none' && p.secrets.length === 0;
}

/** A warning for an auth prefix that runs into the secret (`Bearer` without its space), else null. */
export function authPrefixWarning(p: Pick<Provider, 'auth_header' | 'auth_prefix'>): string | null {
  if (!p.auth_prefix || !/[A-Za-z0-9]$/.test(p.auth_prefix)) return null;
  return `--auth-prefix ${JSON.stringify(p.auth_prefix)} has no trailing space: ${p.auth_header ?? 'the header'} will read "${p.auth_prefix}<secret>" (quote it with a space, e.g. "${p.auth_prefix} ", if that is not meant)`;
}
