import {
  createRedis,
  describeRedisTarget,
  explainRedisFailure,
  isCluster,
  moreTellingRedisError,
  REDIS_TLS_ENV,
  redisTargetFromEnv,
  topologyMismatch,
  type RedisClient,
  type RedisTarget,
  type RedisTlsSettings,
} from '@llmgw/core';
import { UserError } from './errors.js';

/** The global options every command inherits. */
export interface GlobalOptions {
  redisUrl?: string;
  redisSentinels?: string;
  redisSentinelName?: string;
  redisClusterNodes?: string;
  redisTls?: boolean;
  redisTlsCaFile?: string;
  redisTlsCertFile?: string;
  redisTlsKeyFile?: string;
  redisTlsServername?: string;
  redisTlsInsecureSkipVerify?: boolean;
  /** Assume yes to confirmations; never prompt. */
  yes?: boolean;
}

/** The `--redis-tls*` flag of each TLS setting. */
const TLS_FLAGS: Record<keyof RedisTlsSettings, { option: keyof GlobalOptions; flag: string }> = {
  enabled: { option: 'redisTls', flag: '--redis-tls' },
  caFile: { option: 'redisTlsCaFile', flag: '--redis-tls-ca-file' },
  certFile: { option: 'redisTlsCertFile', flag: '--redis-tls-cert-file' },
  keyFile: { option: 'redisTlsKeyFile', flag: '--redis-tls-key-file' },
  servername: { option: 'redisTlsServername', flag: '--redis-tls-servername' },
  insecureSkipVerify: { option: 'redisTlsInsecureSkipVerify', flag: '--redis-tls-insecure-skip-verify' },
};

/**
 * Where Redis is: the `--redis-*` flags when any is given (so a flag never mixes with a
 * stray environment variable), else REDIS_URL / REDIS_SENTINELS / REDIS_SENTINEL_NAME /
 * REDIS_CLUSTER_NODES; REDIS_PASSWORD applies to Sentinel and Cluster either way. TLS, like
 * the password, says how to talk to whichever Redis that is: each `--redis-tls*` flag given
 * wins over its REDIS_TLS* variable, the others still apply.
 */
export function redisTargetFrom(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const fromEnv = redisTargetFromEnv(env);
  const flagged = g.redisUrl || g.redisSentinels || g.redisClusterNodes;
  const t: RedisTarget = flagged
    ? { url: g.redisUrl, sentinels: g.redisSentinels, sentinelName: g.redisSentinelName ?? fromEnv.sentinelName, clusterNodes: g.redisClusterNodes, password: fromEnv.password }
    : { ...fromEnv, sentinelName: g.redisSentinelName ?? fromEnv.sentinelName };
  if (!t.url && !t.sentinels && !t.clusterNodes) t.url = 'redis://127.0.0.1:6379';
  const tls: RedisTlsSettings = { ...fromEnv.tls };
  for (const [setting, { option }] of Object.entries(TLS_FLAGS) as Array<[keyof RedisTlsSettings, { option: keyof GlobalOptions }]>) {
    if (g[option] !== undefined) (tls as Record<string, unknown>)[setting] = g[option];
  }
  t.tls = tls;
  return t;
}

/** A message about REDIS_TLS* settings, naming the flag instead wherever a flag gave the value. */
export function withFlagNames(message: string, g: GlobalOptions): string {
  return message.replace(/\bREDIS_TLS(?:_[A-Z_]+)?\b/g, (name) => {
    const setting = (Object.keys(REDIS_TLS_ENV) as Array<keyof RedisTlsSettings>).find((k) => REDIS_TLS_ENV[k] === name);
    return setting && g[TLS_FLAGS[setting].option] !== undefined ? TLS_FLAGS[setting].flag : name;
  });
}

export interface ConnectLimits {
  /** Give up connecting after this long, whatever ioredis is doing. */
  deadlineMs?: number;
}

/**
 * Connect for one CLI run: a short connect timeout, one reconnect attempt, and a hard
 * deadline, so an unreachable Redis is a one-line error within seconds and never a hang.
 */
export async function connectRedis(target: RedisTarget, limits: ConnectLimits = {}): Promise<RedisClient> {
  const deadlineMs = limits.deadlineMs ?? 3000;
  const redis = createRedis(target, {
    lazyConnect: true,
    connectTimeoutMs: Math.min(2000, deadlineMs),
    maxReconnects: 1,
    connectionName: 'gwctl',
  });
  let lastError: unknown;
  // ioredis reports every failed attempt as an 'error' event; keep the one that says most.
  const onError = (e: unknown) => {
    lastError = moreTellingRedisError(lastError, e);
  };
  redis.on('error', onError);
  // A Cluster's own error says only "Failed to refresh slots cache"; its nodes say why.
  if (isCluster(redis)) redis.on('node error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
      }),
    ]);
  } catch (e) {
    redis.disconnect();
    throw new UserError(`cannot reach Redis at ${describeRedisTarget(target)}: ${await explainRedisFailure(lastError ?? e, target)}`);
  } finally {
    clearTimeout(timer);
  }
  const mismatch = await topologyMismatch(redis, target);
  if (mismatch) {
    redis.disconnect();
    throw new UserError(mismatch);
  }
  return redis;
}
