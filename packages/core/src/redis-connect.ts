import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { Cluster, Redis, SentinelConnector, type RedisOptions } from 'ioredis';
import { loadRedisTls, redisTlsFromEnv, tlsEnabled, type RedisTlsSettings } from './redis-tls.js';

/** How to reach Redis: standalone URL, Sentinel, or Cluster (first match wins: cluster, sentinel, url). */
export interface RedisTarget {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…` for standalone. */
  url?: string;
  /** Sentinel endpoints `host:port,host:port`; needs `sentinelName`. */
  sentinels?: string;
  sentinelName?: string;
  /** Cluster seed nodes `host:port,host:port`. */
  clusterNodes?: string;
  /** Password for Sentinel-managed or Cluster nodes (standalone takes it from the URL). */
  password?: string;
  /** TLS for every connection (file paths; read when the client is created). */
  tls?: RedisTlsSettings;
}

export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** Give up after this many reconnect attempts (undefined = retry forever, as a server should). */
  maxReconnects?: number;
  connectTimeoutMs?: number;
  /** Queue commands while disconnected (CLI: yes until the first connect; gateway: no, fail fast). */
  offlineQueue?: boolean;
  lazyConnect?: boolean;
  connectionName?: string;
  /** Fail a command that gets no answer within this long (a hung Redis); undefined = wait. */
  commandTimeoutMs?: number;
}

function parseNodes(list: string): Array<{ host: string; port: number }> {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i) || '127.0.0.1', port: Number(hp.slice(i + 1)) || 6379 };
    });
}

/** The URL of a standalone target (none when Cluster or Sentinel take precedence). */
function standaloneUrl(t: RedisTarget): string | undefined {
  return t.clusterNodes || t.sentinels ? undefined : (t.url ?? 'redis://127.0.0.1:6379');
}

/** True when the target's connections use TLS (REDIS_TLS, or a `rediss://` standalone URL). */
export function redisUsesTls(t: RedisTarget): boolean {
  return tlsEnabled(t.tls, standaloneUrl(t));
}

/** A human-readable name of the target, for messages. Never includes a password. */
export function describeRedisTarget(t: RedisTarget): string {
  // A rediss:// URL says TLS by itself; REDIS_TLS on a redis:// URL or a topology does not.
  const overTls = redisUsesTls(t) && !standaloneUrl(t)?.startsWith('rediss://') ? ' over TLS' : '';
  if (t.clusterNodes) return `cluster ${t.clusterNodes}${overTls}`;
  if (t.sentinels) return `sentinel ${t.sentinels} (master ${t.sentinelName ?? 'mymaster'})${overTls}`;
  const url = t.url ?? 'redis://127.0.0.1:6379';
  return url.replace(/\/\/([^@/]*)@/, '//***@') + overTls;
}

/**
 * Build an ioredis client for the target. The caller owns it (and must `quit()` it).
 * TLS files are read here, once per client (its duplicates share them); a file missing,
 * unreadable or not PEM throws RedisConfigError naming the variable.
 */
type Connect = (...args: unknown[]) => Promise<Duplex>;
const GUARDED = Symbol('llmgw.socketErrorsGuarded');
const ignore = (): void => {};

/**
 * ioredis listens for its socket's errors with `once`: a socket that emits two of them (a TLS
 * alert, then ECONNRESET, as a server that requires a client certificate does) throws the
 * second as an unhandled 'error' event, and the process dies (ioredis PR #962, closed
 * unmerged). So every socket ioredis opens (standalone, Sentinel, every Cluster node and
 * subscriber) also gets a lasting listener: ioredis still sees the first error, and the close
 * that follows drives its reconnect as before.
 */
function guardRedisSocketErrors(): void {
  const require = createRequire(import.meta.url);
  const standalone = (require('ioredis/built/connectors/StandaloneConnector.js') as { default: { prototype: { connect: Connect } } }).default;
  for (const proto of [standalone.prototype, (SentinelConnector as unknown as { prototype: { connect: Connect } }).prototype]) {
    const connect = proto.connect;
    if ((connect as unknown as Record<symbol, boolean>)[GUARDED]) continue;
    const guarded: Connect = function (this: unknown, ...args: unknown[]) {
      return connect.apply(this, args).then((stream) => {
        stream.on('error', ignore);
        return stream;
      });
    };
    (guarded as unknown as Record<symbol, boolean>)[GUARDED] = true;
    proto.connect = guarded;
  }
}

export function createRedis(t: RedisTarget, o: ConnectOptions = {}): RedisClient {
  guardRedisSocketErrors();
  const tls = loadRedisTls(t.tls, redisUsesTls(t));
  const retryStrategy = (times: number): number | null =>
    o.maxReconnects !== undefined && times > o.maxReconnects ? null : Math.min(times * 100, 2000);
  const base: RedisOptions = {
    connectTimeout: o.connectTimeoutMs ?? 5000,
    enableOfflineQueue: o.offlineQueue ?? true,
    maxRetriesPerRequest: o.offlineQueue === false ? 0 : 1,
    lazyConnect: o.lazyConnect ?? false,
    retryStrategy,
    ...(o.connectionName ? { connectionName: o.connectionName } : {}),
    ...(o.commandTimeoutMs ? { commandTimeout: o.commandTimeoutMs } : {}),
  };
  if (t.clusterNodes) {
    return new Cluster(parseNodes(t.clusterNodes), {
      enableOfflineQueue: base.enableOfflineQueue,
      lazyConnect: base.lazyConnect,
      clusterRetryStrategy: retryStrategy,
      // Over TLS, connect to nodes by the names given (ioredis would resolve them to IPs first),
      // so certificates issued for host names verify (ioredis's note on ElastiCache with TLS).
      ...(tls ? { dnsLookup: (address: string, done: (err: Error | null, address: string) => void) => done(null, address) } : {}),
      redisOptions: { ...base, password: t.password, ...(tls ? { tls } : {}) },
    });
  }
  if (t.sentinels) {
    return new Redis({
      ...base,
      sentinels: parseNodes(t.sentinels),
      name: t.sentinelName ?? 'mymaster',
      password: t.password,
      sentinelRetryStrategy: retryStrategy,
      // The Sentinels themselves and the master they name, both over TLS.
      ...(tls ? { tls, sentinelTLS: tls, enableTLSForSentinelMode: true } : {}),
    });
  }
  // A rediss:// URL alone gives ioredis `tls: true`; settings given here take its place.
  return new Redis(t.url ?? 'redis://127.0.0.1:6379', { ...base, ...(tls ? { tls } : {}) });
}

export function isCluster(r: RedisClient): r is Cluster {
  return (r as Cluster).isCluster === true;
}

/**
 * A standalone (or Sentinel) client pointed at a Redis Cluster node gets MOVED for most keys.
 * Returns what to tell the operator, or null when the client matches the server.
 */
export async function topologyMismatch(redis: RedisClient, t: RedisTarget): Promise<string | null> {
  if (isCluster(redis)) return null;
  const info = await redis.info('server').catch(() => '');
  if (!/redis_mode:cluster/.test(info)) return null;
  return `${describeRedisTarget(t)} is a Redis Cluster node: give the cluster's nodes with REDIS_CLUSTER_NODES (gwctl: --redis-cluster-nodes) instead`;
}

/** Redis target from the conventional environment variables; throws RedisConfigError on a bad REDIS_TLS* switch. */
export function redisTargetFromEnv(env: NodeJS.ProcessEnv = process.env): RedisTarget {
  return {
    url: env.REDIS_URL,
    sentinels: env.REDIS_SENTINELS,
    sentinelName: env.REDIS_SENTINEL_NAME,
    clusterNodes: env.REDIS_CLUSTER_NODES,
    password: env.REDIS_PASSWORD,
    tls: redisTlsFromEnv(env),
  };
}
