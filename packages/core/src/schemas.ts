import { z } from 'zod';

/**
 * Zod schemas of the registry records. Each schema accepts both the decoded form
 * (arrays, numbers) and the raw Redis hash form (every field a string; lists and maps as
 * JSON), so one schema validates on write and on read.
 */

/** Current schema version written into every hash as `v`. */
export const SCHEMA_VERSION = 1;

export const PROVIDER_TYPES = ['openai', 'anthropic', 'azure', 'gemini'] as const;
export const AUTH_TYPES = ['bearer', 'header', 'none'] as const;
export const ROUTING_POLICIES = ['round-robin', 'weighted', 'priority', 'least-busy', 'latency'] as const;
const STATUSES = ['active', 'disabled'] as const;

export type ProviderType = (typeof PROVIDER_TYPES)[number];
export type AuthType = (typeof AUTH_TYPES)[number];
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];
export type Status = (typeof STATUSES)[number];

function parseJsonString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // let the inner schema report the type error
  }
}

const json = <T extends z.ZodType>(schema: T) => z.preprocess(parseJsonString, schema);
const num = z.coerce.number<unknown>().refine(Number.isFinite, 'must be a finite number');
const int = z.coerce.number<unknown>().int();
/** An optional field; an empty string in Redis counts as absent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

/** Names of providers and keys: short, URL- and shell-safe. */
export const EntityName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
/** Public model names may contain `/` and `:` (e.g. `openai/gpt-4o`, `llama3:8b`). */
const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/, 'use 1-200 letters, digits or . _ : / @ + -, starting with a letter or digit');
/** `env:NAME` or a literal secret. */
const SecretRefSchema = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('env:') || /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(s), 'env references look like env:NAME');
const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date');
const HeaderMap = z.record(
  z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'),
  z.string(),
);

const common = {
  v: int.default(SCHEMA_VERSION),
  created_at: optional(IsoDate),
  updated_at: optional(IsoDate),
};

export const ProviderSchema = z
  .object({
    ...common,
    name: EntityName,
    type: z.enum(PROVIDER_TYPES).default('openai'),
    base_url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
    auth_type: z.enum(AUTH_TYPES).default('bearer'),
    /** Header carrying the secret when `auth_type` is `header` (e.g. `x-api-key`, `api-key`, `x-goog-api-key`, `Authorization`). */
    auth_header: optional(z.string().regex(/^[A-Za-z0-9-]+$/)),
    /**
     * With `auth_type` `header`: text put verbatim before the secret in `auth_header`'s value,
     * spaces included (`Bearer `, `Token `, `Key `); unset: the secret alone. Printable ASCII, at
     * most 64 characters. See provider-auth.ts.
     */
    auth_prefix: optional(z.string().regex(/^[\x20-\x7E]{1,64}$/, 'printable ASCII (spaces allowed), at most 64 characters')),
    /** Upstream secrets, each a literal or `env:NAME`; rotated round robin. */
    secrets: json(z.array(SecretRefSchema)).default([]),
    /** Upstream model names this provider serves (informational; bindings route). */
    models: json(z.array(z.string().min(1))).default([]),
    weight: num.pipe(z.number().positive()).default(1),
    /** Lower runs first under the `priority` policy. */
    priority: int.default(0),
    /** Whole-request deadline. */
    timeout_ms: int.pipe(z.number().positive()).default(600_000),
    connect_timeout_ms: optional(int.pipe(z.number().positive())),
    /** Deadline for the response headers (time to first byte); the model's own wins, else the gateway default. */
    first_byte_timeout_ms: optional(int.pipe(z.number().positive())),
    /** Longest silence allowed between two body chunks; the model's own wins, else the gateway default. */
    idle_timeout_ms: optional(int.pipe(z.number().positive())),
    status: z.enum(STATUSES).default('active'),
    /** Extra headers sent upstream on every request. */
    headers: json(HeaderMap).default({}),
    /** `api-version` query of Azure OpenAI calls (default: the gateway's, see providers/azure). */
    api_version: optional(z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$/, 'looks like 2024-10-21 or 2025-04-01-preview')),
    /**
     * How `/v1/responses` reaches an `openai` provider: `native` (default), its own Responses
     * API; `chat`, converted to chat completions, for OpenAI-compatible servers without one
     * (vLLM, Ollama, LM Studio, most hosted ones). Other types always convert. See docs/responses.md.
     */
    responses_api: optional(z.enum(['native', 'chat'])),
  })
  .superRefine((p, ctx) => {
    if (p.auth_type === 'header' && !p.auth_header) {
      ctx.addIssue({ code: 'custom', path: ['auth_header'], message: 'auth_type "header" needs auth_header' });
    }
    if (p.auth_prefix !== undefined && p.auth_type !== 'header') {
      ctx.addIssue({ code: 'custom', path: ['auth_prefix'], message: `auth_prefix goes with auth_type "header" (auth_type "${p.auth_type}" sends its own form)` });
    }
  });

export const ApiKeySchema = z.object({
  ...common,
  id: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/),
  name: EntityName,
  /** SHA-256 hex of the raw key; the record lives at gw:key:<hash>. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** First characters of the raw key, for display. */
  prefix: z.string().min(1).max(16),
  status: z.enum(STATUSES).default('active'),
  /** Providers this key may reach; empty means all. */
  providers: json(z.array(EntityName)).default([]),
  /** Model allow-list of globs (`*` matches any run of characters). */
  models: json(z.array(z.string().min(1))).default(['*']),
  /** Overrides the model's routing policy. */
  policy: optional(z.enum(ROUTING_POLICIES)),
  rpm: optional(int.pipe(z.number().positive())),
  tpm: optional(int.pipe(z.number().positive())),
  max_concurrency: optional(int.pipe(z.number().positive())),
  /** Spend caps in USD. */
  budget_daily: optional(num.pipe(z.number().nonnegative())),
  budget_monthly: optional(num.pipe(z.number().nonnegative())),
  expires_at: optional(IsoDate),
  metadata: json(z.record(z.string(), z.string())).default({}),
  /** MCP grants (globs over `{server}__{name}`, `{server}__{uri}` for resources): empty grants nothing; `*` all. See docs/mcp.md. */
  mcp_tools: json(z.array(z.string().min(1))).default([]),
  mcp_resources: json(z.array(z.string().min(1))).default([]),
  mcp_prompts: json(z.array(z.string().min(1))).default([]),
  /** MCP tool calls per minute (on top of `rpm`, which tool calls also count against). */
  mcp_rpm: optional(int.pipe(z.number().positive())),
});

const ModelTargetSchema = z.object({
  provider: EntityName,
  /** Upstream model name sent to the provider. */
  model: z.string().min(1),
  weight: num.pipe(z.number().positive()).default(1),
  priority: int.default(0),
});

export const ModelSchema = z
  .object({
    ...common,
    name: ModelName,
    targets: json(z.array(ModelTargetSchema)).default([]),
    policy: z.enum(ROUTING_POLICIES).default('round-robin'),
    /** When set, this name is an alias resolved to another public model. */
    alias_of: optional(ModelName),
    /** USD per million tokens. */
    price_input: optional(num.pipe(z.number().nonnegative())),
    price_output: optional(num.pipe(z.number().nonnegative())),
    price_cached_input: optional(num.pipe(z.number().nonnegative())),
    /** USD per million prompt tokens written to the provider's cache (Anthropic's cache writes). */
    price_cache_write: optional(num.pipe(z.number().nonnegative())),
    /** USD per million prompt tokens written to the provider's cache with a 1-hour TTL (Anthropic `ttl: "1h"`; default: price_cache_write). */
    price_cache_write_1h: optional(num.pipe(z.number().nonnegative())),
    /**
     * Completion tokens reserved for a request that sets no max_tokens, when it is admitted
     * against a tpm limit or a budget (replaced by the real count afterwards). Default:
     * GW_RESERVE_OUTPUT_TOKENS.
     */
    reserve_output_tokens: optional(int.pipe(z.number().nonnegative())),
    owned_by: optional(z.string().max(100)),
    /** Deadline for the response headers on every target of this model; wins over the provider's. */
    first_byte_timeout_ms: optional(int.pipe(z.number().positive())),
    /** Longest silence between two body chunks on every target of this model; wins over the provider's. */
    idle_timeout_ms: optional(int.pipe(z.number().positive())),
  })
  .superRefine((m, ctx) => {
    if (m.alias_of && m.targets.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['alias_of'], message: 'an alias has no targets of its own' });
    }
    if (!m.alias_of && m.targets.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['targets'], message: 'a model needs at least one target' });
    }
    if (m.alias_of === m.name) {
      ctx.addIssue({ code: 'custom', path: ['alias_of'], message: 'a model cannot alias itself' });
    }
  });

export const MCP_TRANSPORTS = ['streamable-http', 'sse'] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];

/**
 * Name of an upstream MCP server: it prefixes every tool, resource and prompt it offers
 * (`{server}__{name}`), so it never holds `__` nor ends with `_`, and is at most 32 characters.
 */
const McpServerName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?=[A-Za-z0-9-])){0,31}$/, 'use 1-32 letters, digits, "-" or single "_" (no "__", not ending with "_"), starting with a letter or digit');

/** `gw:mcp:<name>`: an upstream MCP server the gateway aggregates. */
export const McpServerSchema = z.object({
  ...common,
  name: McpServerName,
  url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  /** `streamable-http` (MCP 2025-03-26 and later) or `sse` (the older HTTP+SSE transport). */
  transport: z.enum(MCP_TRANSPORTS).default('streamable-http'),
  /** Static headers sent upstream; a value `env:VAR` is read on the pod (the value itself is never stored). */
  headers: json(HeaderMap).default({}),
  /** Deadline of one upstream call (default GW_MCP_TIMEOUT_MS). */
  timeout_ms: optional(int.pipe(z.number().positive())),
  status: z.enum(STATUSES).default('active'),
  description: optional(z.string().max(200)),
});

export type McpServer = z.output<typeof McpServerSchema>;
export type Provider = z.output<typeof ProviderSchema>;
export type ApiKey = z.output<typeof ApiKeySchema>;
export type Model = z.output<typeof ModelSchema>;
export type ModelTarget = z.output<typeof ModelTargetSchema>;

/** Encode a record as a flat Redis hash: strings stay, numbers/booleans stringify, the rest is JSON. */
export function toRedisHash(record: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  return out;
}

/** One line per zod issue: `path: message`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(record)'}: ${i.message}`).join('; ');
}
