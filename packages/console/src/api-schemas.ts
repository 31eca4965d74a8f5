import { ADMIN_ROLES, AUTH_TYPES, EntityName, MCP_TRANSPORTS, McpServerSchema, PROVIDER_TYPES, ROUTING_POLICIES, USAGE_GROUPS } from '@llmgw/core';
import { z } from 'zod';

/*
 * Request bodies and queries of the admin API, in their JSON form. Core validates every
 * record again on write; these give a 400 naming the field before anything is read or
 * written, and are what the OpenAPI document (openapi.ts) is generated from.
 * In a PATCH body, `null` removes an optional setting; a field left out is kept.
 */

const status = z.enum(['active', 'disabled']);
const positiveInt = z.number().int().positive();
const usd = z.number().nonnegative();
const clearable = <T extends z.ZodType>(s: T) => s.nullable().optional();

const keySettings = {
  status: status.optional(),
  models: z.array(z.string().min(1)).min(1).optional().describe('model allow-list globs (`*` matches any run of characters)'),
  providers: z.array(EntityName).optional().describe('providers the key may reach; empty: all'),
  policy: clearable(z.enum(ROUTING_POLICIES)),
  rpm: clearable(positiveInt).describe('requests per minute'),
  tpm: clearable(positiveInt).describe('tokens per minute'),
  max_concurrency: clearable(positiveInt),
  budget_daily: clearable(usd).describe('USD per UTC day'),
  budget_monthly: clearable(usd).describe('USD per UTC month'),
  expires_at: clearable(z.iso.datetime({ offset: true })),
  metadata: z.record(z.string(), z.string()).optional(),
};

export const KeyCreateBody = z.strictObject({ name: EntityName, ...keySettings });
export const KeyEditBody = z.strictObject({ name: EntityName.optional(), ...keySettings });

const providerSettings = {
  type: z.enum(PROVIDER_TYPES).optional(),
  base_url: z.url().optional(),
  auth_type: z.enum(AUTH_TYPES).optional(),
  auth_header: clearable(z.string().regex(/^[A-Za-z0-9-]+$/)),
  auth_prefix: clearable(z.string().regex(/^[\x20-\x7E]{1,64}$/)),
  secrets: z.array(z.string().min(1)).optional().describe('upstream secrets, each a literal or env:NAME; write-only (read back masked)'),
  models: z.array(z.string().min(1)).optional(),
  weight: z.number().positive().optional(),
  priority: z.number().int().optional(),
  timeout_ms: positiveInt.optional(),
  connect_timeout_ms: clearable(positiveInt),
  first_byte_timeout_ms: clearable(positiveInt),
  idle_timeout_ms: clearable(positiveInt),
  status: status.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  api_version: clearable(z.string()),
};

export const ProviderCreateBody = z.strictObject({ ...providerSettings, name: EntityName, base_url: z.url() });
export const ProviderEditBody = z.strictObject(providerSettings);

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name');
const mcpUrl = z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const mcpDescription = z.string().max(200);

/** An upstream MCP server, as `gwctl mcp add` takes it. */
export const McpCreateBody = z.strictObject({
  name: McpServerSchema.shape.name.describe('prefixes its tools ({name}__{tool}): 1-32 letters, digits, - or single _'),
  url: mcpUrl.describe('the upstream MCP endpoint'),
  transport: z.enum(MCP_TRANSPORTS).optional().describe('streamable-http (default) or sse (the older HTTP+SSE transport)'),
  headers: z.record(headerName, z.string().min(1)).optional().describe('static headers sent upstream, each a literal (write-only: read back masked) or env:VAR (read on each gateway pod, never stored)'),
  timeout_ms: positiveInt.optional().describe('deadline of one upstream call (default GW_MCP_TIMEOUT_MS)'),
  description: mcpDescription.optional(),
  status: status.optional(),
});

/** A change to an MCP server, as `gwctl mcp edit` makes it. */
export const McpEditBody = z.strictObject({
  url: mcpUrl.optional(),
  transport: z.enum(MCP_TRANSPORTS).optional(),
  headers: z.record(headerName, z.string().min(1).nullable()).optional().describe('headers to add or replace (by name, case-insensitive); null removes one; others are kept'),
  timeout_ms: clearable(positiveInt),
  description: clearable(mcpDescription),
  status: status.optional(),
});

export const McpTestQuery = z.strictObject({ timeout_ms: z.coerce.number().int().min(1).max(60_000).optional().describe('deadline of each call (default the server\'s, else 10 s)') });

const ModelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/, 'use 1-200 letters, digits or . _ : / @ + -, starting with a letter or digit');

/** Settings of a model (prices in USD per million tokens). */
export const ModelEditBody = z.strictObject({
  policy: z.enum(ROUTING_POLICIES).optional(),
  price_input: clearable(usd),
  price_output: clearable(usd),
  price_cached_input: clearable(usd),
  price_cache_write: clearable(usd),
  reserve_output_tokens: clearable(z.number().int().nonnegative()),
  owned_by: clearable(z.string().max(100)),
  first_byte_timeout_ms: clearable(positiveInt),
  idle_timeout_ms: clearable(positiveInt),
});

export const BindBody = z.strictObject({
  provider: EntityName,
  model: z.string().min(1).optional().describe('upstream model name (default: the public name)'),
  weight: z.number().positive().optional(),
  priority: z.number().int().optional(),
});

export const AliasBody = z.strictObject({ name: ModelName, alias_of: ModelName });

export const TokenCreateBody = z.strictObject({ name: EntityName, role: z.enum(ADMIN_ROLES) });
export const SignInBody = z.strictObject({ token: z.string().min(1) });

const epochOrIso = z
  .string()
  .transform((s, ctx) => {
    const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (Number.isNaN(n)) ctx.addIssue({ code: 'custom', message: 'an ISO date or epoch milliseconds' });
    return n;
  });

export const RangeQuery = z.strictObject({
  from: epochOrIso.optional().describe('start (ISO date or epoch ms); default 24 hours before `to`'),
  to: epochOrIso.optional().describe('end, exclusive; default the end of the current hour. Whole hours are read from the rollups, the minutes before the first and after the last whole hour from the usage stream'),
});
export const UsageQuery = RangeQuery.extend({ by: z.enum(USAGE_GROUPS).default('model'), format: z.enum(['json', 'csv']).default('json') });
export const SeriesQuery = RangeQuery.extend({ bucket: z.enum(['hour', 'day']).default('hour') });

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
export const RequestsQuery = z.strictObject({ limit: limit(500, 100), before: z.string().regex(/^\d+-\d+(\.\d+)?$/).describe('the `next` of the previous page').optional() });
export const AuditQuery = z.strictObject({
  limit: limit(1000, 100),
  before: z.string().regex(/^\d+-\d+$/).optional(),
  actor: z.string().optional(),
  action: z.string().optional(),
});
export const UnbindQuery = z.strictObject({ model: z.string().min(1).optional().describe('only this upstream model') });
