import {
  describeRedisError,
  describeRedisTarget,
  isCluster,
  isTlsFailure,
  isUnexplainedTlsDrop,
  moreTellingRedisError,
  probeRedisTls,
  type RedisClient,
  type RedisTarget,
} from '@llmgw/core';
import type { Logger } from './logger.js';

/** Why the gateway's Redis connection fails, kept for the boot warning and /status. */
export interface RedisConnectionWatch {
  /** One line on the last failed connection attempt; null once connected. */
  lastError(): string | null;
}

/**
 * Watch the connection's errors. Outages are not logged here (the registry cache reports
 * them); a TLS failure is, at error level and once per cause and outage, because it needs a
 * person: a wrong CA, an expired or misnamed certificate, a client certificate missing or
 * refused. When a TLS connection is only reset, the server is asked why (probeRedisTls),
 * since a missing client certificate often shows up as nothing more than a reset.
 */
export function watchRedisConnection(redis: RedisClient, target: RedisTarget, log: Logger): RedisConnectionWatch {
  const where = describeRedisTarget(target);
  // The error that best explains the current outage (null while connected).
  let cause: unknown = null;
  let probing = false;
  const reported = new Set<string>();

  const explain = () => {
    const why = describeRedisError(cause, target);
    if (isTlsFailure(cause)) {
      if (!reported.has(why)) log.error({ redis: where }, `cannot reach Redis at ${where}: ${why}`);
      reported.add(why);
    } else if (!probing && isUnexplainedTlsDrop(cause, target)) {
      probing = true;
      void probeRedisTls(target)
        .then((answer) => {
          if (answer && isTlsFailure(answer) && redis.status !== 'ready') onError(answer);
        })
        .catch(() => {})
        .finally(() => (probing = false));
    }
  };
  const onError = (e: unknown) => {
    cause = moreTellingRedisError(cause, e);
    explain();
  };
  redis.on('error', onError);
  // A Cluster's own error says only "Failed to refresh slots cache"; its nodes say why.
  if (isCluster(redis)) redis.on('node error', onError);
  redis.on('ready', () => {
    cause = null;
    reported.clear();
  });
  return { lastError: () => (cause === null ? null : describeRedisError(cause, target)) };
}
