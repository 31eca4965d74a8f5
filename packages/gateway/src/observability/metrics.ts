import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../cache/registry-cache.js';
import type { RequestContext } from '../request-context.js';
import type { GatewayStats } from '../stats.js';
import { EventLoopDelayHistogram } from './event-loop-delay.js';
import { PlainCounter, PlainHistogram, type CounterSeries, type HistogramSeries } from './plain-metrics.js';
import { gatewayOverheadMs, statusClass, upstreamTtfbMs } from './timings.js';

/** What the metrics read at scrape time (owned and incremented by other modules). */
export interface MetricsSources {
  stats: GatewayStats;
  cacheStats: CacheStats;
  /** Registry revision last seen and whether Redis answers. */
  registry: { readonly revision: number; readonly healthy: boolean };
  inFlight: { count: number };
  build: { version: string; node: string; uwsKind: string };
}

export interface MetricsOptions {
  /** Node.js process metrics (`process_*`, `nodejs_*`). Default true. */
  processMetrics?: boolean;
}

/** Label value for a model or provider the request never got to (or that the registry does not know). */
const NONE = 'none';

/** A labelless counter whose value is read from `read()` at scrape time. */
function exportedCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** `aggregator`: how a supervisor combines the workers' values (GW_WORKERS); a sum unless said. */
function exportedGauge(registry: Registry, name: string, help: string, read: () => number, aggregator: 'sum' | 'max' | 'min' = 'sum'): void {
  new Gauge({
    name,
    help,
    aggregator,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

const TRANSPORTS = ['http', 'websocket'] as const;

/** `statusClass`'s answer as an index: 0–4 for 1xx–5xx (anything else 5xx), 5 for an attempt without a status. */
function classIndex(status: number): number {
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? c - 1 : 4;
}
const ATTEMPT_ERROR = 5;
const CLASS_LABELS = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error'] as const;

/**
 * The series one (endpoint, model, provider) of finished requests updates, each taken from its
 * metric on first use (so a series still appears only once something is counted in it). One
 * lookup per request finds them all, where a `labels()` per metric walked one Map per label
 * each time (≈ 18 lookups and 8 argument arrays per chat request).
 */
class RequestSeries {
  /** llmgw_requests_total by status class index. */
  readonly requests: Array<CounterSeries | undefined> = [undefined, undefined, undefined, undefined, undefined];
  /** llmgw_upstream_attempts_total of this provider by status class index (5: `error`). */
  readonly attempts: Array<CounterSeries | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined];
  /** llmgw_request_duration_seconds, not streamed and streamed. */
  readonly duration: Array<HistogramSeries | undefined> = [undefined, undefined];
  ttfb: HistogramSeries | undefined = undefined;
  overhead: HistogramSeries | undefined = undefined;
  tokensIn: CounterSeries | undefined = undefined;
  tokensOut: CounterSeries | undefined = undefined;
  cachedTokens: CounterSeries | undefined = undefined;
  cost: CounterSeries | undefined = undefined;
}

const DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const TTFB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can live in
 * one process in tests). Per-request metrics are recorded once, when the request is over,
 * in plain labelled series (`plain-metrics.ts`: a Map lookup and a few number writes each).
 * Counters other modules own are plain numbers (`GatewayStats`, the cache's stats) read by
 * prom-client `collect()` callbacks at scrape time, never touched on the hot path.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: PlainCounter;
  private readonly refused: PlainCounter;
  private readonly attemptsByProvider: PlainCounter;
  private readonly timeouts: PlainCounter;
  private readonly duration: PlainHistogram;
  private readonly ttfb: PlainHistogram;
  private readonly overhead: PlainHistogram;
  private readonly tokens: PlainCounter;
  private readonly cachedTokens: PlainCounter;
  private readonly cacheWriteTokens: PlainCounter;
  private readonly cost: PlainCounter;
  private readonly loopDelay: EventLoopDelayHistogram;
  private readonly mcpToolCalls: PlainCounter;
  private readonly mcpToolCallDuration: PlainHistogram;
  /** endpoint → model label → provider label → the series its requests update. */
  private readonly bundles = new Map<string, Map<string, Map<string, RequestSeries>>>();

  constructor(src: MetricsSources, opts: MetricsOptions = {}) {
    this.requests = new PlainCounter(
      'llmgw_requests_total',
      'API requests answered, by public model, provider that served (or last tried), status class (2xx/4xx/5xx; a client gone before any answer counts as 4xx) and endpoint (`other` for unknown routes). Model and provider are `none` when the request never resolved one.',
      ['model', 'provider', 'status_class', 'endpoint'],
      this.registry,
    );
    this.refused = new PlainCounter(
      'llmgw_requests_refused_total',
      'Requests the gateway refused itself before any upstream call, by reason (the error code: invalid_api_key, model_not_allowed, model_unpriced, rate_limit_exceeded, insufficient_quota, limits_unavailable, …) and endpoint.',
      ['reason', 'endpoint'],
      this.registry,
    );
    this.attemptsByProvider = new PlainCounter(
      'llmgw_upstream_attempts_total',
      'Upstream calls, by provider and the upstream status class (`error` = no HTTP answer: connect error, timeout, dropped connection).',
      ['provider', 'status_class'],
      this.registry,
    );
    this.timeouts = new PlainCounter(
      'llmgw_upstream_timeouts_total',
      'Upstream attempts ended by a deadline, by provider and phase: `connect`, `first_byte` (no response headers in time: failed over, counted towards the cooldown), `idle` (a silent body: a stream ends with an error event), `total`.',
      ['provider', 'phase'],
      this.registry,
    );
    this.duration = new PlainHistogram(
      'llmgw_request_duration_seconds',
      'Whole request time as the gateway saw it: from the request headers arriving to the last byte of the response (streams included).',
      ['endpoint', 'stream'],
      DURATION_BUCKETS,
      this.registry,
    );
    this.ttfb = new PlainHistogram(
      'llmgw_upstream_ttfb_seconds',
      'Upstream time to first byte: from the first upstream dispatch to the response headers of the attempt that answered (failed attempts before it included).',
      ['provider'],
      TTFB_BUCKETS,
      this.registry,
    );
    this.overhead = new PlainHistogram(
      'llmgw_gateway_overhead_seconds',
      'Time spent in the gateway itself, for requests sent upstream: request arrival (headers) to first upstream dispatch (body read, auth, model resolution, limits, routing, request building), plus, for responses that are not streamed, upstream response end to the response handed to the client (usage extraction, model rewrite, write). Stream relay time is not included.',
      ['endpoint'],
      OVERHEAD_BUCKETS,
      this.registry,
    );
    this.tokens = new PlainCounter(
      'llmgw_tokens_total',
      'Tokens by model and provider; direction `in` = prompt (input) tokens, `out` = completion (output) tokens. Includes counts the gateway estimated when the upstream reported none.',
      ['model', 'provider', 'direction'],
      this.registry,
    );
    this.cachedTokens = new PlainCounter(
      'llmgw_cached_tokens_total',
      'Prompt tokens the upstream served from its prompt cache (a subset of direction="in").',
      ['model', 'provider'],
      this.registry,
    );
    this.cacheWriteTokens = new PlainCounter(
      'llmgw_cache_write_tokens_total',
      'Prompt tokens the upstream wrote to its prompt cache (Anthropic), by TTL (`5m`, `1h`); a subset of direction="in", priced apart.',
      ['model', 'provider', 'ttl'],
      this.registry,
    );
    this.cost = new PlainCounter(
      'llmgw_cost_usd_total',
      'Cost in US dollars computed from usage and the model prices.',
      ['model', 'provider'],
      this.registry,
    );

    this.mcpToolCalls = new PlainCounter(
      'llmgw_mcp_tool_calls_total',
      'MCP tool calls sent upstream, by MCP server, tool (the name clients see) and outcome status class (a JSON-RPC error from the upstream counts 5xx; refusals before the upstream are in llmgw_requests_refused_total with endpoint /mcp).',
      ['server', 'tool', 'status_class'],
      this.registry,
    );
    this.mcpToolCallDuration = new PlainHistogram(
      'llmgw_mcp_tool_call_duration_seconds',
      'Time of MCP tool calls upstream (connecting included when the pod had no connection yet), by MCP server.',
      ['server'],
      DURATION_BUCKETS,
      this.registry,
    );

    const { stats, cacheStats, registry, inFlight } = src;
    exportedCounter(this.registry, 'llmgw_failovers_total', 'Upstream attempts beyond the first of a request.', () => stats.failovers);
    exportedCounter(this.registry, 'llmgw_retries_total', 'Attempts that retried the same target (another secret, or after Retry-After).', () => stats.retries);
    exportedCounter(this.registry, 'llmgw_cooldowns_entered_total', 'Times a provider secret or target entered a cooldown (decided by this pod).', () => stats.cooldownsEntered);
    exportedCounter(this.registry, 'llmgw_rate_limited_total', 'Requests refused by a rate limit (rpm, tpm, concurrency).', () => stats.rateLimited);
    exportedCounter(this.registry, 'llmgw_budget_refused_total', 'Requests refused because a budget is spent.', () => stats.budgetRefused);
    exportedCounter(this.registry, 'llmgw_limit_leases_total', 'Leases of a key\'s limit and budget capacity this pod was granted (GW_LIMIT_LEASES).', () => stats.leasesGranted);
    exportedCounter(this.registry, 'llmgw_limit_lease_admissions_total', 'Requests admitted from a lease, with no Redis call.', () => stats.leaseAdmissions);
    exportedCounter(this.registry, 'llmgw_unpriced_served_total', 'Requests of keys with a budget served by a model with no price (GW_UNPRICED_MODELS=serve); their spend counts 0.', () => stats.unpricedServed);
    exportedCounter(this.registry, 'llmgw_redis_errors_total', 'Redis commands that failed on the request path.', () => stats.redisErrors);
    exportedCounter(this.registry, 'llmgw_usage_events_written_total', 'Usage events written to Redis.', () => stats.usageEventsWritten);
    exportedCounter(this.registry, 'llmgw_usage_events_dropped_total', 'Usage events lost because the in-memory buffer was full.', () => stats.usageEventsDropped);
    exportedCounter(this.registry, 'llmgw_usage_write_retries_total', 'Usage records sent to Redis again after a failed or unanswered write.', () => stats.usageWriteRetries);
    exportedCounter(this.registry, 'llmgw_usage_duplicates_skipped_total', 'Usage records (spend update or stream entry) Redis had already applied when a retried write came: skipped, so each request counts once.', () => stats.usageDuplicatesSkipped);
    exportedCounter(this.registry, 'llmgw_usage_accounting_errors_total', 'Requests whose usage estimate or accounting failed after the response (logged at warn); their usage and spend are not recorded.', () => stats.usageAccountingErrors);
    exportedCounter(this.registry, 'llmgw_trace_spans_exported_total', 'Trace spans sent to the OTLP receiver (docs/observability.md).', () => stats.traceSpansExported);
    exportedCounter(this.registry, 'llmgw_trace_spans_dropped_total', 'Trace spans lost: the export queue was full, or their export failed or timed out.', () => stats.traceSpansDropped);
    exportedGauge(this.registry, 'llmgw_usage_events_buffered', 'Usage events waiting in memory for Redis.', () => stats.usageEventsBuffered);
    exportedGauge(this.registry, 'llmgw_open_streams', 'Streamed responses being relayed now.', () => stats.openStreams);
    new Counter({
      name: 'llmgw_stream_client_pauses_total',
      help: 'Times a streamed response\'s upstream was paused because its client read slower than the upstream wrote (more than 64 KiB waiting on the client\'s socket), by client transport (`http`, `websocket`). Resumed when the socket drains.',
      labelNames: ['transport'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const t of TRANSPORTS) this.inc({ transport: t }, stats.clientPauses[t]);
      },
    });
    new Gauge({
      name: 'llmgw_streams_paused_for_client',
      help: 'Streamed responses whose upstream is paused now, waiting for a slow client\'s socket to drain, by client transport (`http`, `websocket`).',
      labelNames: ['transport'],
      aggregator: 'sum',
      registers: [this.registry],
      collect() {
        for (const t of TRANSPORTS) this.set({ transport: t }, stats.streamsPausedForClient[t]);
      },
    });
    exportedGauge(this.registry, 'llmgw_in_flight_requests', 'Proxied requests in progress.', () => inFlight.count);
    exportedCounter(this.registry, 'llmgw_registry_cache_hits_total', 'Registry lookups answered by the local cache.', () => cacheStats.hits);
    exportedCounter(this.registry, 'llmgw_registry_cache_misses_total', 'Registry lookups that went to Redis.', () => cacheStats.misses);
    exportedCounter(this.registry, 'llmgw_registry_cache_stale_total', 'Lookups answered with an expired copy because Redis failed.', () => cacheStats.stale);
    exportedCounter(this.registry, 'llmgw_registry_cache_load_errors_total', 'Registry reads from Redis that failed.', () => cacheStats.errors);
    exportedGauge(this.registry, 'llmgw_registry_revision', 'Registry revision (gw:rev) this pod last saw.', () => registry.revision, 'max');
    exportedGauge(this.registry, 'llmgw_registry_up', '1 while the registry in Redis answers, else 0.', () => (registry.healthy ? 1 : 0), 'min');
    new Gauge({
      name: 'llmgw_build_info',
      help: 'Always 1; the labels tell the gateway version, Node.js version and uWebSockets.js build kind (native or fallback).',
      labelNames: ['version', 'node', 'uws_kind'],
      aggregator: 'first',
      registers: [this.registry],
    }).set({ version: src.build.version, node: src.build.node, uws_kind: src.build.uwsKind }, 1);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.loopDelay = new EventLoopDelayHistogram(this.registry);
  }

  /** Stop the event-loop sampling (the gateway is shutting down). */
  stop(): void {
    this.loopDelay.stop();
  }

  /** The series of requests of this endpoint, model and provider label. */
  private bundle(endpoint: string, model: string, provider: string): RequestSeries {
    let byModel = this.bundles.get(endpoint);
    if (byModel === undefined) this.bundles.set(endpoint, (byModel = new Map()));
    let byProvider = byModel.get(model);
    if (byProvider === undefined) byModel.set(model, (byProvider = new Map()));
    let b = byProvider.get(provider);
    if (b === undefined) byProvider.set(provider, (b = new RequestSeries()));
    return b;
  }

  /** Record one finished API request (proxied, or /v1/models). */
  observeRequest(ctx: RequestContext): void {
    const endpoint = ctx.endpoint.path;
    // Only names the registry knows become label values: a client cannot create series.
    const model = ctx.model ? ctx.publicModel : NONE;
    const lastAttempt = ctx.attempts.length > 0 ? ctx.attempts[ctx.attempts.length - 1]! : null;
    const provider = ctx.served?.provider.name ?? lastAttempt?.provider ?? NONE;
    const status = ctx.status === 0 && ctx.clientAborted ? 499 : ctx.status;
    const b = this.bundle(endpoint, model, provider);
    const ci = classIndex(status);
    (b.requests[ci] ??= this.requests.labels(model, provider, CLASS_LABELS[ci]!, endpoint)).inc();
    // Codes come from the gateway's own catalog, never from the client: a bounded label set.
    if (ctx.attempts.length === 0 && status >= 400 && ctx.errorCode) this.refused.labels(ctx.errorCode, endpoint).inc();
    for (const a of ctx.attempts) {
      const ai = a.status ? classIndex(a.status) : ATTEMPT_ERROR;
      if (a.provider === provider) (b.attempts[ai] ??= this.attemptsByProvider.labels(provider, CLASS_LABELS[ai]!)).inc();
      else this.attemptsByProvider.labels(a.provider, CLASS_LABELS[ai]!).inc();
      if (a.timeout) this.timeouts.labels(a.provider, a.timeout).inc();
    }

    if (ctx.endpoint.kind === 'mcp' && lastAttempt) {
      // Server and tool names come from the registry and the server's own list: bounded.
      this.mcpToolCalls.labels(lastAttempt.provider, ctx.publicModel, statusClass(status)).inc();
      if (ctx.tUpstreamEnd > 0) this.mcpToolCallDuration.labels(lastAttempt.provider).observe((ctx.tUpstreamEnd - ctx.tUpstreamStart) / 1000);
    }
    const si = ctx.stream ? 1 : 0;
    (b.duration[si] ??= this.duration.labels(endpoint, ctx.stream ? 'true' : 'false')).observe((ctx.tEnd - ctx.t0) / 1000);
    const ttfb = upstreamTtfbMs(ctx);
    if (ttfb !== null) (b.ttfb ??= this.ttfb.labels(provider)).observe(ttfb / 1000);
    const overhead = gatewayOverheadMs(ctx);
    if (overhead !== null) (b.overhead ??= this.overhead.labels(endpoint)).observe(overhead / 1000);

    const u = ctx.usage;
    if (u) {
      if (u.promptTokens > 0) (b.tokensIn ??= this.tokens.labels(model, provider, 'in')).inc(u.promptTokens);
      if (u.completionTokens > 0) (b.tokensOut ??= this.tokens.labels(model, provider, 'out')).inc(u.completionTokens);
      if (u.cachedTokens > 0) (b.cachedTokens ??= this.cachedTokens.labels(model, provider)).inc(u.cachedTokens);
      if (u.cacheWriteTokens) {
        const write1h = u.cacheWrite1hTokens ?? 0;
        if (u.cacheWriteTokens > write1h) this.cacheWriteTokens.labels(model, provider, '5m').inc(u.cacheWriteTokens - write1h);
        if (write1h > 0) this.cacheWriteTokens.labels(model, provider, '1h').inc(write1h);
      }
    }
    if (ctx.costUsd && ctx.costUsd > 0) (b.cost ??= this.cost.labels(model, provider)).inc(ctx.costUsd);
  }

  /** Count a request refused before it had a context (unknown route, wrong method, draining). */
  observeRefused(endpoint: string, status: number, reason?: string | null): void {
    this.requests.labels(NONE, NONE, statusClass(status), endpoint).inc();
    if (reason) this.refused.labels(reason, endpoint).inc();
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
