import { z } from 'zod';
import { OTEL_CONFIG_SHAPE } from './observability/otel-config.js';
import { proxyUrlProblem } from './upstream/h1/proxy-settings.js';

const bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const ms = (def: number) => z.coerce.number().int().nonnegative().default(def);
function checkProxyUrl(v: string, ctx: z.RefinementCtx): void {
  const problem = proxyUrlProblem(v);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
}
const proxyUrl = z.string().superRefine(checkProxyUrl);
/** Read under their lower-case names first (`https_proxy`, …), as curl and undici read them. */
const LOWER_CASE_FIRST = new Set(['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']);
/** Variables whose values may be credentials: never repeated in an error message. */
const SECRET_VALUES = new Set(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']);
/** A proxy URL in an error message, without its credentials. */
const withoutCredentials = (v: string) => v.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1***@');

/** `*`, or a comma-separated list of path prefixes (`/` alone: no prefix), as `'*'` or the prefixes without a trailing slash. */
function parsePathPrefixes(v: string, ctx: z.RefinementCtx): '*' | string[] {
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 1 && items[0] === '*') return '*';
  const bad = items.find((p) => !/^\/[A-Za-z0-9._~!$&'()+;=:@%/-]*$/.test(p) || p.includes('//'));
  if (items.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${bad === undefined ? 'empty' : `"${bad}" is not a path prefix`}: use * or a list like /v1,/openai/v1,/ (/ = no prefix)` });
    return z.NEVER;
  }
  return [...new Set(items.map((p) => p.replace(/\/+$/, '')))];
}

/** `*`, or a comma-separated list of origins (`https://app.example.com`, `http://localhost:5173`), lower-cased, without a trailing slash. */
function parseOrigins(v: string, ctx: z.RefinementCtx): '*' | string[] {
  const items = v.split(',').map((s) => s.trim().toLowerCase().replace(/\/+$/, '')).filter(Boolean);
  if (items.length === 1 && items[0] === '*') return '*';
  const bad = items.find((o) => !/^[a-z][a-z0-9+.-]*:\/\/[^/\s?#*]+$/.test(o));
  if (items.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${bad === undefined ? 'empty' : `"${bad}" is not an origin`}: use * or a list like https://app.example.com,http://localhost:5173` });
    return z.NEVER;
  }
  return [...new Set(items)];
}

/**
 * Every environment variable the gateway reads, with its default. Validated once at boot;
 * a bad value stops the process with a message naming the variable.
 */
export const ConfigSchema = z.object({
  GW_HOST: z.string().default('0.0.0.0').describe('Interface of the public listener.'),
  GW_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('Port of the public listener (0 = any free port, printed at start).'),
  GW_ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional().describe('Port of the admin listener (/metrics, /status, /health, /ready); unset = no admin listener.'),
  GW_ADMIN_HOST: z.string().default('127.0.0.1').describe('Interface of the admin listener (0.0.0.0 in containers, so Prometheus can scrape it).'),
  GW_API_PATH_PREFIXES: z.string().transform(parsePathPrefixes).default('*').describe('Path prefixes accepted before an endpoint\'s path. `*`: any, so a path that ends with an endpoint\'s path is that endpoint (`/v1/chat/completions`, `/v1beta/openai/chat/completions`, `/api/v1/chat/completions`, `/chat/completions`; the longest endpoint path wins). Or exactly these, comma-separated, `/` for none (e.g. `/v1,/openai/v1,/anthropic/v1`).'),
  GW_CORS_ORIGINS: z.string().transform(parseOrigins).optional().describe('CORS for browser clients: the origins whose pages may call the gateway, `*` for any, or a comma-separated list (`https://app.example.com,http://localhost:5173`). Unset: off (no CORS headers; a preflight `OPTIONS` is 405). On: preflights answered 204, every answer carries `Access-Control-Allow-Origin` and `Vary: Origin`, and exposes `x-request-id` and the rate-limit headers.'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379').describe('Standalone Redis.'),
  REDIS_SENTINELS: z.string().optional().describe('Sentinel endpoints `host:port,…` (with REDIS_SENTINEL_NAME).'),
  REDIS_SENTINEL_NAME: z.string().default('mymaster').describe('Sentinel master name.'),
  REDIS_CLUSTER_NODES: z.string().optional().describe('Cluster seed nodes `host:port,…`.'),
  REDIS_PASSWORD: z.string().optional().describe('Password of Sentinel-managed or Cluster nodes (a standalone URL carries its own).'),
  REDIS_TLS: bool.default(false).describe('TLS for every Redis connection: standalone, the Sentinels and their master, every Cluster node (a rediss:// REDIS_URL needs no switch).'),
  REDIS_TLS_CA_FILE: z.string().optional().describe('PEM bundle of the CAs that Redis certificates must chain to; replaces Node\'s default CAs (Mozilla\'s) for Redis, as tls\'s `ca` option does. Unset: the default CAs.'),
  REDIS_TLS_CERT_FILE: z.string().optional().describe('PEM client certificate (and chain) for mutual TLS, with REDIS_TLS_KEY_FILE.'),
  REDIS_TLS_KEY_FILE: z.string().optional().describe('Unencrypted PEM private key of REDIS_TLS_CERT_FILE.'),
  REDIS_TLS_SERVERNAME: z.string().optional().describe('Name sent as SNI and checked against Redis certificates instead of the host connected to (nodes reached by IP, a shared certificate).'),
  REDIS_TLS_INSECURE_SKIP_VERIFY: bool.default(false).describe('Accept any Redis certificate (warned about at boot): encrypted, but anyone on the path can pose as Redis. Never in production.'),
  GW_CACHE_TTL_MS: ms(5_000).describe('How long a registry record is served from the local cache before it is re-read. A record in use is re-read in the background from three quarters of it on, so requests do not wait for the re-read; registry events evict at once either way.'),
  GW_NEGATIVE_CACHE_TTL_MS: ms(1_000).describe('How long an unknown key or model is remembered as unknown.'),
  GW_REV_POLL_MS: ms(1_000).describe('Poll of gw:rev, the safety net for missed gw:events.'),
  GW_MAX_BODY_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024).describe('Largest accepted request body in bytes.'),
  GW_UPSTREAM_TIMEOUT_MS: ms(600_000).describe('Default whole-request upstream deadline when the provider sets none.'),
  GW_FIRST_BYTE_TIMEOUT_MS: ms(120_000).describe('Default wait for an upstream\'s response headers when neither the model nor the provider sets `first_byte_timeout_ms` (0 = none). Past it the attempt fails as a provider fault: the next target is tried and the provider\'s cooldown counts it. A non-streamed answer\'s headers come with its last token: raise it per model for slow non-streamed generations.'),
  GW_STREAM_IDLE_TIMEOUT_MS: ms(120_000).describe('Default longest silence between two pieces of an upstream response body when neither the model nor the provider sets `idle_timeout_ms` (0 = none). Past it a stream ends with an error event, counted against the provider.'),
  GW_CONNECT_TIMEOUT_MS: ms(10_000).describe('Default connect timeout to an upstream.'),
  GW_UPSTREAM_KEEPALIVE_MS: ms(30_000).describe('Idle keep-alive upstream connections are closed after this long.'),
  GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: z.coerce.number().int().nonnegative().default(0).describe('Most connections one provider keeps open at once to one upstream origin (0 = no bound: a connection per request in flight). Beyond it requests wait for a free connection, first in first out, each at most its first-byte timeout, then fail as a first-byte timeout (failover; undici\'s waits have no deadline of their own). For upstreams that take few connections.'),
  GW_UPSTREAM_CLIENT: z.enum(['native', 'undici']).default('native').describe('HTTP client for upstream calls: native (the gateway\'s own lean HTTP/1.1 client) or undici (the fallback).'),
  HTTPS_PROXY: proxyUrl.optional().describe('Proxy for https upstreams, `http://[user:password@]host[:port]` (also read as https_proxy; unset: HTTP_PROXY\'s): a CONNECT tunnel through it, TLS with the upstream inside. Read at boot.'),
  HTTP_PROXY: proxyUrl.optional().describe('Proxy for http upstreams (also read as http_proxy), also through CONNECT; and for https ones when HTTPS_PROXY is unset.'),
  NO_PROXY: z.string().optional().describe('Upstreams reached directly, not through a proxy (also read as no_proxy): names, each with every name under it (a leading `.` or `*.` the same), IP addresses, `host:port`, `[IPv6]:port`, separated by commas or spaces; `*` = all.'),
  GW_UPSTREAM_CA_FILE: z.string().optional().describe('PEM bundle of extra CAs that https upstream certificates may chain to (a corporate CA, a TLS-inspecting proxy\'s), trusted on top of Node\'s default CAs (Mozilla\'s); read once at boot, a bad file stops it.'),
  GW_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('One of trace, debug, info (one access line per request), warn, error, fatal, silent.'),
  GW_DEBUG: bool.default(false).describe('Log every routing decision. `GATEWAY_DEBUG` (one-api-nginx\'s name) is read when `GW_DEBUG` is unset.'),
  GW_EXPOSE_SELECTION: bool.default(false).describe('Add x-gateway-provider / x-gateway-upstream-model / x-gateway-attempts to responses.'),
  GW_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3).describe('Most upstream attempts (targets × secrets × Retry-After waits) for one request.'),
  GW_RETRY_DEADLINE_MS: ms(180_000).describe('No new upstream attempt starts later than this after the request arrived; above GW_FIRST_BYTE_TIMEOUT_MS, so that a first-byte timeout can fail over.'),
  GW_RETRY_AFTER_MAX_MS: ms(2_000).describe('An upstream Retry-After up to this long is waited out (then retried) when no other target is healthy.'),
  GW_COOLDOWN_THRESHOLD: z.coerce.number().int().min(1).default(3).describe('Failures of a provider within GW_COOLDOWN_WINDOW_MS that start its cooldown (401/403/429 cool a secret at once).'),
  GW_COOLDOWN_WINDOW_MS: z.coerce.number().int().positive().default(30_000).describe('Window in which provider failures are counted.'),
  GW_COOLDOWN_BASE_MS: z.coerce.number().int().positive().default(5_000).describe('First cooldown; each further one without a success in between doubles, up to GW_COOLDOWN_MAX_MS.'),
  GW_COOLDOWN_MAX_MS: z.coerce.number().int().positive().default(300_000).describe('Longest cooldown.'),
  GW_PROBE_LEASE_MS: z.coerce.number().int().positive().default(10_000).describe('After a cooldown one request probes; others wait this long for its answer before probing too.'),
  GW_HEALTH_REFRESH_MS: z.coerce.number().int().positive().default(500).describe('How often each pod re-reads shared provider health from Redis.'),
  GW_LATENCY_EXPLORE: z.coerce.number().min(0).max(1).default(0.05).describe('Probability that the latency policy tries another target first, so recovered providers are measured again.'),
  GW_DRAIN_TIMEOUT_MS: ms(30_000).describe('On SIGTERM, how long in-flight requests may finish.'),
  GW_REDIS_BOOT_WAIT_MS: ms(5_000).describe('At boot, how long to wait for Redis before listening anyway (not ready until it answers).'),
  GW_REDIS_COMMAND_TIMEOUT_MS: ms(1_000).describe('A Redis command with no answer after this long fails (a hung or partitioned Redis); 0 = never.'),
  GW_BODY_TIMEOUT_MS: ms(60_000).describe('Longest wait for a whole request body once its headers arrived: 408 and a closed connection after it (0 = none; uWS itself drops bodies slower than 16 KB/s after about 10 s).'),
  GW_LOG_FLUSH_MS: z.coerce.number().int().nonnegative().max(10_000).default(100).describe('Log lines are written in batches: when 8 KB are waiting or after this long, whichever comes first (0 = each line as it comes). One write per line costs the pod ≈ 20–55 µs of CPU per request at the default info level, where the access line is written (docs/performance.md). Lines wait at most this long; on exit, a crash included, they are written before the process ends (not after SIGKILL).'),
  GW_POD_NAME: z.string().optional().describe('Name of this pod in logs and metrics.'),
  GW_LIMITS_FAIL_CLOSED: bool.default(false).describe('Refuse (503 limits_unavailable) requests of keys with limits or budgets while Redis cannot be asked; default: admit them (fail open).'),
  GW_LIMITS_TIMEOUT_MS: ms(500).describe('Longest wait for the admission script before the fail-open/closed policy applies.'),
  GW_LIMIT_LEASES: bool.default(true).describe('Per-pod leases of limit and budget capacity: a pod serving a key at ≥ 8 requests/s takes a slice of its rpm, tpm, concurrency and budgets (≤ ¼ of what is left, ≤ one second of its traffic) and admits from it without asking Redis until the second ends; unspent capacity goes back. Limits are never passed by more than without leases; a key may be refused early by what other pods hold (docs/guarantees.md). 0: every request asks Redis.'),
  GW_CONCURRENCY_LEASE_MS: z.coerce.number().int().min(100).default(60_000).describe('Lease of a concurrency slot or a budget reservation: renewed while the request runs; a dead pod\'s slots and reservations free after this.'),
  GW_USAGE_ENABLED: bool.default(true).describe('Record usage events and per-key spend counters (budgets need them).'),
  GW_USAGE_STREAM_MAXLEN: z.coerce.number().int().positive().default(1_000_000).describe('Bound of the usage event stream gw:rt:{usage}:events, in events: the latest this many are kept, and fewer than this many plus one write\'s batch (each entry holds one write\'s batch of events). Each event takes ≈ 210 bytes of Redis memory: the default bound ≈ 210 MB.'),
  GW_USAGE_BUFFER_MAX: z.coerce.number().int().positive().default(10_000).describe('Usage events kept in memory while Redis is unreachable (about 500 bytes each: a row outside the V8 heap and one object); beyond it they are dropped and counted.'),
  GW_USAGE_FLUSH_MS: ms(100).describe('Longest wait before usage events and spend counters are written (0 = at the end of each event-loop turn). Each write costs Redis about the same whatever it holds (two script runs, ≈ 50 rollup counters), so waiting lets one write carry many requests: Redis CPU per request falls with it, most at moderate rates (docs/performance.md). Budgets see spend this much later (the reservations hold until then), and a pod killed with SIGKILL loses up to this much of usage records.'),
  GW_RESERVE_OUTPUT_TOKENS: z.coerce.number().int().nonnegative().default(4096).describe('Completion tokens reserved (tpm, budgets) for a request without max_tokens, unless its model sets its own (gwctl model reserve).'),
  GW_UNPRICED_MODELS: z.enum(['refuse', 'serve']).default('refuse').describe('A key with a budget and a model with no price (neither gwctl model price nor the price table): refuse (403 model_unpriced) or serve at cost 0, with a warning.'),
  GW_RESPONSES_TTL_S: z.coerce.number().int().positive().default(7 * 24 * 3600).describe('How long a stored Responses API response (`store`, default true) is kept in Redis for GET and `previous_response_id`, in seconds (docs/responses.md).'),
  GW_RESPONSES_MAX_BYTES: z.coerce.number().int().positive().default(2 * 1024 * 1024).describe('Largest stored response record (the whole conversation up to it, as JSON); a larger one is not kept and a follow-up naming it is refused.'),
  GW_WS_IDLE_TIMEOUT_S: z.coerce.number().int().positive().default(120).describe('Responses API WebSocket mode: a socket with no response running and no message for this long is closed with 1000 (seconds).'),
  GW_WS_MAX_CONNECTIONS: z.coerce.number().int().nonnegative().default(0).describe('Responses API WebSocket mode: most sockets open at once on this pod (per worker with GW_WORKERS); an upgrade beyond it is refused with 503 `too_many_websockets` (logged and counted as a refused request). 0 = no bound.'),
  GW_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]).default('auto').describe('Worker processes serving the public port of this pod (SO_REUSEPORT: the kernel spreads connections over them), each a whole gateway with its own Redis connections and registry cache; a supervisor restarts one that dies and serves the admin listener with the metrics of all summed. `auto` (default): the cores this container may use (its cgroup CPU quota, else os.availableParallelism()). 1: one process, no supervisor.'),
  GW_USAGE_ROLLUPS: bool.default(true).describe('Keep the usage rollups (hourly and daily counters per key, model, provider: docs/usage-rollups.md); they cost Redis about 3-4x the usage stream\'s own writes.'),
  GW_USAGE_ROLLUP_HOUR_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(8).describe('Days an hour bucket of the usage rollups is kept after its hour ends (docs/usage-rollups.md).'),
  GW_USAGE_ROLLUP_DAY_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(400).describe('Days a day bucket of the usage rollups is kept after its day ends.'),
  GW_MCP_TIMEOUT_MS: ms(30_000).describe('MCP (docs/mcp.md): deadline of one upstream MCP call (a server\'s own timeout_ms wins).'),
  GW_MCP_COOLDOWN_MS: ms(10_000).describe('How long an upstream MCP server that failed is skipped by every pod (its calls answered at once with an error; shared through Redis, read at most every GW_HEALTH_REFRESH_MS).'),
  GW_MCP_LIST_TTL_MS: ms(30_000).describe('How long a pod keeps what an upstream MCP server offers (its tools, resources, prompts lists).'),
  GW_MCP_SESSION_TTL_S: z.coerce.number().int().positive().default(86_400).describe('Lifetime of an MCP session (Mcp-Session-Id), in seconds.'),
  GW_MCP_SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional().describe('The key sealing MCP session ids (at least 32 characters); unset: one made once and shared through Redis (gw:rt:{mcp}:session-secret).'),
  ...OTEL_CONFIG_SHAPE,
});

export type GatewayConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/**
 * Other gateways' names of our variables, read when ours is unset, so that their documented
 * settings work unchanged: one-api-nginx's `GATEWAY_DEBUG=1` turns on its routing debug logs.
 */
const ENV_ALIASES: Readonly<Record<string, keyof GatewayConfig>> = { GATEWAY_DEBUG: 'GW_DEBUG' };

/** Parse the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const picked: Record<string, string> = {};
  for (const k of Object.keys(ConfigSchema.shape)) {
    const v = LOWER_CASE_FIRST.has(k) ? (env[k.toLowerCase()] ?? env[k]) : env[k];
    if (v !== undefined && v !== '') picked[k] = v;
  }
  // The variable each value came from, for messages: ours, or the alias that gave it.
  const source: Record<string, string> = {};
  for (const [alias, ours] of Object.entries(ENV_ALIASES)) {
    const v = env[alias];
    if (picked[ours] === undefined && v !== undefined && v !== '') {
      picked[ours] = v;
      source[ours] = alias;
    }
  }
  const r = ConfigSchema.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const k = String(i.path[0]);
      const v = picked[k];
      const shown = v !== undefined && SECRET_VALUES.has(k) ? '***' : v !== undefined && LOWER_CASE_FIRST.has(k) ? withoutCredentials(v) : v;
      return `${source[k] ?? k}=${JSON.stringify(shown)}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  return r.data;
}
