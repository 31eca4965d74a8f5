import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import type { RedisClient } from '@llmgw/core';
import type { RegistryCache } from '../cache/registry-cache.js';
import type { UwsBuild } from '../http/uws.js';
import type { GatewayStats } from '../stats.js';
import type { ProviderStatus } from './provider-status.js';

/** How the gateway reaches Redis. */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

/** Everything `/status` reports; read live at each call. */
export interface StatusSources {
  pod?: string;
  uws: UwsBuild;
  redis: RedisClient;
  redisMode: RedisMode;
  /** The Redis target with any password masked. */
  redisTarget: string;
  redisTls: boolean;
  /** Why the last connection attempt failed (a TLS failure named as such); null while connected. */
  redisLastError(): string | null;
  cache: RegistryCache;
  stats: GatewayStats;
  inFlight: { count: number };
  isAccepting(): boolean;
  /** Date.now() at start. */
  startedAt: number;
  /** Every provider with its problems (misconfigured, cooling down); null when the registry cannot be read. */
  providers(): Promise<ProviderStatus[] | null>;
}

/** The gateway package version (read once). */
export const GATEWAY_VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

const PING_TIMEOUT_MS = 1_000;

/** PING Redis; latency in ms, or the reason it failed (never hangs longer than a second). */
async function pingRedis(redis: RedisClient): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }> {
  const t = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - t) * 1000) / 1000 };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** The `/status` document: build, uWS build in use, Redis, cache, load, providers. */
export async function buildStatus(s: StatusSources): Promise<Record<string, unknown>> {
  const [ping, providers] = await Promise.all([pingRedis(s.redis), s.providers()]);
  const c = s.cache.stats;
  return {
    status: s.isAccepting() ? (s.cache.healthy ? 'ok' : 'degraded') : 'draining',
    pod: s.pod ?? hostname(),
    version: GATEWAY_VERSION,
    node: process.version,
    uws: { pkg: s.uws.pkg, version: s.uws.version, kind: s.uws.kind, detail: s.uws.detail },
    uptimeSeconds: Math.round((Date.now() - s.startedAt) / 1000),
    startedAt: new Date(s.startedAt).toISOString(),
    accepting: s.isAccepting(),
    redis: {
      mode: s.redisMode,
      target: s.redisTarget,
      tls: s.redisTls,
      connection: s.redis.status,
      // A failed PING only says the connection is down; the connection's own error says why.
      ...(ping.ok ? { latencyMs: ping.latencyMs } : { latencyMs: null, error: s.redisLastError() ?? ping.error }),
    },
    registry: { healthy: s.cache.healthy, revision: s.cache.revision },
    cache: { ...s.cache.sizes(), hits: c.hits, misses: c.misses, stale: c.stale, errors: c.errors },
    inFlight: s.inFlight.count,
    openStreams: s.stats.openStreams,
    usageEvents: { buffered: s.stats.usageEventsBuffered, dropped: s.stats.usageEventsDropped },
    providers,
  };
}
