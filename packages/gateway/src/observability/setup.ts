import { describeRedisTarget, redisUsesTls, type RedisClient, type RedisTarget } from '@llmgw/core';
import type { RegistryCache } from '../cache/registry-cache.js';
import type { GatewayConfig } from '../config.js';
import type { HttpListener } from '../http/server.js';
import type { UwsBuild } from '../http/uws.js';
import type { Logger } from '../logger.js';
import type { RedisConnectionWatch } from '../redis-connection.js';
import type { GatewayStats } from '../stats.js';
import { createAccessLogger } from './access-log.js';
import { startAdminServer } from './admin-server.js';
import { GatewayMetrics } from './metrics.js';
import { traceSettings } from './otel-config.js';
import { createRequestObserver, withTracer, type RequestObserver } from './request-observer.js';
import { RequestTracer } from './request-tracer.js';
import type { ProviderStatus } from './provider-status.js';
import { buildStatus, GATEWAY_VERSION, type RedisMode, type StatusSources } from './status.js';

/** The parts of a running gateway that observability reads. */
export interface ObservedParts {
  log: Logger;
  uws: UwsBuild;
  redis: RedisClient;
  target: RedisTarget;
  redisWatch: RedisConnectionWatch;
  cache: RegistryCache;
  stats: GatewayStats;
  inFlight: { count: number };
  isAccepting(): boolean;
  /** Every provider with its problems, for /status. */
  providers(): Promise<ProviderStatus[] | null>;
}

/** Metrics, the access log and the admin listener of one gateway. */
export interface Observability {
  /** Null when there is no admin listener to export them (GW_ADMIN_PORT unset). */
  metrics: GatewayMetrics | null;
  observer: RequestObserver;
  /** Start the admin listener when GW_ADMIN_PORT is set; its port, or null. */
  startAdmin(): Promise<number | null>;
  /** Close the admin listener (after draining, so /ready says 503 meanwhile). */
  stop(): void;
  /** What /status reports (a worker answers its supervisor's admin listener with it). */
  status(): Promise<unknown>;
  /** What /ready says: registry reachable and read, and not draining. */
  isReady(): boolean;
  /** Request spans (null when traces are off, the default: OTEL_EXPORTER_OTLP_ENDPOINT unset). */
  tracer: RequestTracer | null;
}

function redisMode(t: RedisTarget): RedisMode {
  return t.clusterNodes ? 'cluster' : t.sentinels ? 'sentinel' : 'standalone';
}

/**
 * `collectMetrics`: keep the metrics without an admin listener of this process's own (a
 * worker: its supervisor's admin listener asks for them and sums them over the workers).
 */
export function createObservability(config: GatewayConfig, p: ObservedParts, collectMetrics = false): Observability {
  const enabled = config.GW_ADMIN_PORT !== undefined || collectMetrics;
  const startedAt = Date.now();
  const metrics = enabled
    ? new GatewayMetrics({
        stats: p.stats,
        cacheStats: p.cache.stats,
        registry: p.cache,
        inFlight: p.inFlight,
        build: { version: GATEWAY_VERSION, node: process.version, uwsKind: p.uws.kind },
      })
    : null;
  let admin: HttpListener | null = null;
  const isReady = () => p.isAccepting() && p.cache.healthy;
  const sources: StatusSources = {
    pod: config.GW_POD_NAME,
    uws: p.uws,
    redis: p.redis,
    redisMode: redisMode(p.target),
    redisTarget: describeRedisTarget(p.target),
    redisTls: redisUsesTls(p.target),
    redisLastError: p.redisWatch.lastError,
    cache: p.cache,
    stats: p.stats,
    inFlight: p.inFlight,
    isAccepting: p.isAccepting,
    startedAt,
    providers: p.providers,
  };
  const traces = traceSettings(config);
  const tracer = traces ? new RequestTracer(traces, p.log, p.stats, config.GW_POD_NAME) : null;
  if (traces) p.log.info({ url: traces.url, sampler: traces.sampler, captureContent: traces.captureContent }, 'traces: OTLP/HTTP JSON export on');
  if (traces?.jsonInsteadOfProtobuf) p.log.warn('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: spans are sent as OTLP/HTTP JSON, which OTLP/HTTP receivers also accept');
  return {
    metrics,
    tracer,
    observer: withTracer(createRequestObserver(metrics, createAccessLogger(p.log)), tracer),
    status: () => buildStatus(sources),
    isReady,
    async startAdmin() {
      if (!metrics || config.GW_ADMIN_PORT === undefined) return null;
      admin = await startAdminServer(p.uws.uws, { host: config.GW_ADMIN_HOST, port: config.GW_ADMIN_PORT }, { ...sources, metrics, log: p.log, isReady });
      p.log.info({ adminPort: admin.port, adminHost: config.GW_ADMIN_HOST }, 'admin listener (/metrics, /status, /health, /ready)');
      return admin.port;
    },
    stop() {
      admin?.close();
      admin = null;
      metrics?.stop();
    },
  };
}
