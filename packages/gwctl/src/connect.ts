import { createRedis, describeRedisTarget, redisTargetFromEnv, topologyMismatch, type RedisClient, type RedisTarget } from '@llmgw/core';
import { UserError } from './errors.js';

/** The global options every command inherits. */
export interface GlobalOptions {
  redisUrl?: string;
  redisSentinels?: string;
  redisSentinelName?: string;
  redisClusterNodes?: string;
  /** Assume yes to confirmations; never prompt. */
  yes?: boolean;
}

/**
 * Where Redis is: the `--redis-*` flags when any is given (so a flag never mixes with a
 * stray environment variable), else REDIS_URL / REDIS_SENTINELS / REDIS_SENTINEL_NAME /
 * REDIS_CLUSTER_NODES; REDIS_PASSWORD applies to Sentinel and Cluster either way.
 */
export function redisTargetFrom(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const fromEnv = redisTargetFromEnv(env);
  const flagged = g.redisUrl || g.redisSentinels || g.redisClusterNodes;
  const t: RedisTarget = flagged
    ? { url: g.redisUrl, sentinels: g.redisSentinels, sentinelName: g.redisSentinelName ?? fromEnv.sentinelName, clusterNodes: g.redisClusterNodes, password: fromEnv.password }
    : { ...fromEnv, sentinelName: g.redisSentinelName ?? fromEnv.sentinelName };
  if (!t.url && !t.sentinels && !t.clusterNodes) t.url = 'redis://127.0.0.1:6379';
  return t;
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
  // ioredis reports every failed attempt as an 'error' event; keep the last for the message.
  redis.on('error', (e: unknown) => {
    lastError = e;
  });
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
    throw new UserError(`cannot reach Redis at ${describeRedisTarget(target)}: ${reason(lastError ?? e)}`);
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

function reason(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: unknown[] };
  // A refused dual-stack connect arrives as an AggregateError with one error per address.
  if (Array.isArray(err?.errors) && err.errors.length > 0) return reason(err.errors[0]);
  const msg = (err?.message ?? String(e)).split('\n')[0]!;
  return err?.code && !msg.includes(err.code) ? `${err.code} ${msg}` : msg;
}
