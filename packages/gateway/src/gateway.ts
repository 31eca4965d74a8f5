import {
  RATE_WINDOW_MS,
  Registry,
  createRedis,
  describeRedisTarget,
  redisTlsWarning,
  redisUsesTls,
  topologyMismatch,
  type RedisClient,
  type RedisTarget,
} from '@llmgw/core';
import { hostname } from 'node:os';
import type { DestinationStream } from 'pino';
import { createRouter } from './api/router.js';
import { createApp, createBodyRefusal, webSocketOptions } from './app.js';
import { RegistryCache } from './cache/registry-cache.js';
import type { GatewayConfig } from './config.js';
import { createCors } from './http/cors.js';
import { listen, type HttpListener } from './http/server.js';
import { loadUws, type UwsBuild } from './http/uws.js';
import { createLogger, type Logger } from './logger.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { providersStatus } from './observability/provider-status.js';
import { UnsetSecretsReport } from './observability/unset-secrets-report.js';
import { createObservability } from './observability/setup.js';
import { watchRedisConnection, type RedisConnectionWatch } from './redis-connection.js';
import { createRouting, type Routing } from './routing/routing.js';
import { createGovernance } from './governance/governance.js';
import { ResponseStore } from './responses/response-store.js';
import { logOpenFilesLimit, readOpenFilesLimit } from './open-files-limit.js';
import { createMcp } from './mcp/create-mcp.js';
import { createStats, type GatewayStats } from './stats.js';
import { UpstreamAgents, upstreamAgentOptions } from './upstream/agents.js';
import { describeProxySettings } from './upstream/h1/proxy-settings.js';

export interface StartOptions {
  /** Where logs go (tests pass an in-memory stream). */
  logDestination?: DestinationStream;
  /** Reuse a Redis client instead of creating one from the config. */
  redis?: RedisClient;
  /** Where `env:NAME` provider secrets are read (default process.env; tests give each gateway its own, as pods have). */
  secretEnv?: NodeJS.ProcessEnv;
  /**
   * This gateway is worker `id` of a supervisor (GW_WORKERS > 1): its log lines say so, and with
   * `metrics` it keeps its metrics without an admin listener (the supervisor's sums every worker's).
   */
  worker?: { id: number; metrics: boolean };
  /** Log the open-files limit at start (main does; a supervisor logs it once for its workers). */
  reportOpenFiles?: boolean;
}

export interface RunningGateway {
  port: number;
  log: Logger;
  uws: UwsBuild;
  redis: RedisClient;
  cache: RegistryCache;
  inFlight: { count: number };
  stats: GatewayStats;
  /** Provider health mirror and per-target statistics. */
  routing: Routing;
  /** Port of the admin listener (/metrics, /status, /health, /ready); null when GW_ADMIN_PORT is unset. */
  adminPort: number | null;
  /** Prometheus metrics; null without an admin listener. */
  metrics: GatewayMetrics | null;
  /** What /status reports. */
  status(): Promise<unknown>;
  /** What /ready says. */
  isReady(): boolean;
  /** Stop accepting, wait for in-flight requests up to `timeoutMs`, close everything. */
  shutdown(timeoutMs?: number): Promise<{ drained: boolean }>;
}

export class UwsFallbackError extends Error {}

/** Give Redis a moment at boot; start anyway (not ready) when it does not come. */
async function waitForRedis(redis: RedisClient, ms: number, log: Logger, watch: RedisConnectionWatch): Promise<void> {
  if (redis.status === 'ready') return;
  const ok = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    redis.once('ready', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
  if (!ok) log.warn({ err: watch.lastError() ?? 'no answer yet' }, 'Redis is not reachable yet; starting anyway, /ready stays 503 until it is');
}

/** Assemble and start a gateway: Redis, registry cache, upstream pools, the listener. */
export async function startGateway(config: GatewayConfig, opts: StartOptions = {}): Promise<RunningGateway> {
  const log = createLogger(config.GW_LOG_LEVEL, opts.logDestination, {
    ...(config.GW_POD_NAME ? { pod: config.GW_POD_NAME } : {}),
    ...(opts.worker ? { worker: opts.worker.id } : {}),
  }, config.GW_LOG_FLUSH_MS);
  // Before anything connects: a file it names that cannot be used stops the boot (ConfigError).
  const upstream = upstreamAgentOptions(config);
  const uws = loadUws();
  if (uws.kind === 'fallback') {
    // Not only slow: the trufflesuite pure-JS fallback lacks HttpRequest.forEach ("Not
    // implemented") and its getQuery() throws, so no request could be served on it.
    throw new UwsFallbackError(
      `uWebSockets.js could not load its native binary (${uws.detail}); refusing to run on its pure-JS fallback, ` +
        'which is slow and cannot serve this gateway. Use Node.js 16/18/20 on glibc >= 2.27 with the pinned build, ' +
        'or the official uWebSockets.js build on Node 22/24 with glibc >= 2.38 (one alias in the root package.json).',
    );
  }
  const target: RedisTarget = {
    url: config.REDIS_URL,
    sentinels: config.REDIS_SENTINELS,
    sentinelName: config.REDIS_SENTINEL_NAME,
    clusterNodes: config.REDIS_CLUSTER_NODES,
    password: config.REDIS_PASSWORD,
    tls: {
      enabled: config.REDIS_TLS,
      caFile: config.REDIS_TLS_CA_FILE,
      certFile: config.REDIS_TLS_CERT_FILE,
      keyFile: config.REDIS_TLS_KEY_FILE,
      servername: config.REDIS_TLS_SERVERNAME,
      insecureSkipVerify: config.REDIS_TLS_INSECURE_SKIP_VERIFY,
    },
  };
  const tlsWarning = opts.redis ? null : redisTlsWarning(target.tls, redisUsesTls(target));
  if (tlsWarning) log.warn(tlsWarning);
  // The data plane never waits on a disconnected Redis: commands fail fast and the cache serves.
  // TLS files are read here, once; one that cannot be used throws RedisConfigError (exit 2).
  const redis =
    opts.redis ??
    createRedis(target, { offlineQueue: false, connectionName: 'llmgw-gateway', commandTimeoutMs: config.GW_REDIS_COMMAND_TIMEOUT_MS || undefined });
  // After every setting was found usable (a bad one stops the boot with one line, nothing before it).
  if (opts.reportOpenFiles) logOpenFilesLimit(log, readOpenFilesLimit());
  // Outages are watched through the cache and /ready; the watch names TLS failures.
  const watch = watchRedisConnection(redis, target, log);
  if (!opts.redis) await waitForRedis(redis, config.GW_REDIS_BOOT_WAIT_MS, log, watch);
  // A misconfiguration that looks like an outage (every read MOVED): name it once at boot.
  void topologyMismatch(redis, target).then((m) => m && log.error(m));
  const registry = new Registry(redis, { onInvalid: (bad) => log.warn(bad, 'invalid registry record skipped') });
  const cache = new RegistryCache(registry, { ttlMs: config.GW_CACHE_TTL_MS, negativeTtlMs: config.GW_NEGATIVE_CACHE_TTL_MS, revPollMs: config.GW_REV_POLL_MS }, log);
  await cache.start();

  const agents = new UpstreamAgents(upstream);
  if (upstream.proxy) log.info(describeProxySettings(upstream.proxy), 'upstream calls go through a proxy (HTTPS_PROXY / HTTP_PROXY, except NO_PROXY)');
  const inFlight = { count: 0 };
  const stats = createStats();
  const routing = createRouting(config, redis, stats, log, opts.secretEnv);
  const unsetSecrets = new UnsetSecretsReport({ listProviders: () => registry.listProviders(), secrets: routing.secrets, redis, pod: config.GW_POD_NAME ?? hostname(), log });
  unsetSecrets.start();
  const governance = createGovernance(
    redis,
    {
      windowMs: RATE_WINDOW_MS,
      leaseMs: config.GW_CONCURRENCY_LEASE_MS,
      timeoutMs: config.GW_LIMITS_TIMEOUT_MS,
      failClosed: config.GW_LIMITS_FAIL_CLOSED,
      leases: config.GW_LIMIT_LEASES,
      usageEnabled: config.GW_USAGE_ENABLED,
      usageBufferMax: config.GW_USAGE_BUFFER_MAX,
      usageStreamMaxLen: config.GW_USAGE_STREAM_MAXLEN,
      usageRetryMs: 500,
      usageFlushMs: config.GW_USAGE_FLUSH_MS,
      reserveOutputTokens: config.GW_RESERVE_OUTPUT_TOKENS,
      unpricedModels: config.GW_UNPRICED_MODELS,
      usageRollupTtl: !config.GW_USAGE_ROLLUPS ? null : { hourS: config.GW_USAGE_ROLLUP_HOUR_TTL_DAYS * 86_400, dayS: config.GW_USAGE_ROLLUP_DAY_TTL_DAYS * 86_400 },
    },
    stats,
    log,
  );
  const mcp = createMcp(config, { redis, cache, governance, log, env: opts.secretEnv });
  let accepting = true;
  let serving = true;
  const providers = () =>
    providersStatus({ listProviders: () => registry.listProviders(), readHealth: (names) => routing.health.readShared(names), secrets: routing.secrets }, Date.now());
  const obs = createObservability(config, { log, uws, redis, target, redisWatch: watch, cache, stats, inFlight, isAccepting: () => accepting, providers }, opts.worker?.metrics === true);
  const router = createRouter(config.GW_API_PATH_PREFIXES);
  const cors = config.GW_CORS_ORIGINS === undefined ? null : createCors(config.GW_CORS_ORIGINS);
  const handler = createApp({
    log,
    cache,
    router,
    cors,
    routing,
    agents,
    timeouts: { totalMs: config.GW_UPSTREAM_TIMEOUT_MS, firstByteMs: config.GW_FIRST_BYTE_TIMEOUT_MS, idleMs: config.GW_STREAM_IDLE_TIMEOUT_MS },
    exposeSelection: config.GW_EXPOSE_SELECTION,
    account: governance.account,
    admit: governance.admit,
    responses: new ResponseStore(redis, { ttlS: config.GW_RESPONSES_TTL_S, maxBytes: config.GW_RESPONSES_MAX_BYTES }, log),
    isAccepting: () => accepting,
    isServing: () => serving,
    inFlight,
    stats,
    onRequestEnd: obs.observer.onRequestEnd,
    onRefused: obs.observer.onRefused,
    onRequestStart: obs.observer.onRequestStart,
    mcp: mcp.deps,
  });
  const adminPort = await obs.startAdmin();
  const listener: HttpListener = await listen(
    uws.uws,
    {
      host: config.GW_HOST,
      port: config.GW_PORT,
      maxBodyBytes: config.GW_MAX_BODY_BYTES,
      bodyTimeoutMs: config.GW_BODY_TIMEOUT_MS,
      refuseBody: createBodyRefusal({ router, onBodyRefused: obs.observer.onBodyRefused }),
      headersFor: cors === null ? undefined : (h) => cors.headersFor(h.origin),
      websocket: webSocketOptions({ router, cache, cors, isAccepting: () => accepting, onRefused: obs.observer.onRefused, onRefusedRequest: obs.observer.onBodyRefused }, { idleTimeoutS: config.GW_WS_IDLE_TIMEOUT_S, maxPayloadBytes: config.GW_MAX_BODY_BYTES, maxConnections: config.GW_WS_MAX_CONNECTIONS }),
    },
    handler,
  );
  log.info(
    { port: listener.port, host: config.GW_HOST, uws: `${uws.pkg}@${uws.version} (${uws.kind}: ${uws.detail})`, redis: describeRedisTarget(target), node: process.version },
    'gateway listening',
  );

  return {
    port: listener.port,
    log,
    uws,
    redis,
    cache,
    inFlight,
    stats,
    routing,
    adminPort,
    metrics: obs.metrics,
    status: obs.status,
    isReady: obs.isReady,
    async shutdown(timeoutMs = config.GW_DRAIN_TIMEOUT_MS) {
      accepting = false;
      listener.close();
      log.info({ inFlight: inFlight.count, timeoutMs }, 'draining: listener closed, waiting for requests in flight');
      const deadline = Date.now() + timeoutMs;
      while (inFlight.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const drained = inFlight.count === 0;
      serving = false;
      if (!drained) {
        // Past the deadline: cut the upstream requests still running. Their streams end with an
        // error event and their usage is recorded (estimated) before the flush below.
        log.warn({ left: inFlight.count, timeoutMs }, 'drain deadline reached; cutting the requests still in flight');
        await agents.close(true);
        const cut = Date.now() + 1_000;
        while (inFlight.count > 0 && Date.now() < cut) await new Promise((r) => setTimeout(r, 10));
      }
      obs.stop();
      await cache.stop();
      routing.stop();
      await unsetSecrets.stop();
      await agents.close();
      await mcp.close();
      // Usage still buffered (Redis was away) gets its last chance before the connection closes.
      if (!(await governance.flush())) log.error({ pending: governance.recorder?.pending }, 'usage events still buffered at shutdown are lost');
      governance.close();
      // The last spans go out (an unreachable collector gives up after OTEL_EXPORTER_OTLP_TIMEOUT).
      await obs.tracer?.exporter.flush();
      if (!opts.redis) await redis.quit().catch(() => redis.disconnect());
      log.info({ drained, left: inFlight.count }, 'gateway stopped');
      log.flush?.();
      return { drained };
    },
  };
}
