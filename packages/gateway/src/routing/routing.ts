import type { RedisClient } from '@llmgw/core';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { GatewayStats } from '../stats.js';
import { CooldownStore } from './cooldowns.js';
import { HealthMirror } from './health-mirror.js';
import { Router } from './router.js';
import { SecretEnv } from './secret-env.js';
import { SecretRotation } from './secret-rotation.js';
import { TargetStats } from './target-stats.js';

/** The failover budget of one request. */
interface RetrySettings {
  /** Most upstream calls one request may make. */
  maxAttempts: number;
  /** No new attempt starts later than this after the request arrived. */
  deadlineMs: number;
  /** A Retry-After up to this long is waited out when nothing else is healthy. */
  retryAfterMaxMs: number;
  /** Log every routing decision at info level. */
  debug: boolean;
}

/** Everything routing keeps for the life of the gateway. */
export interface Routing {
  router: Router;
  rotation: SecretRotation;
  /** Provider secrets as this pod's environment resolves them. */
  secrets: SecretEnv;
  health: HealthMirror;
  targets: TargetStats;
  retry: RetrySettings;
  stop(): void;
}

/** Build routing from the configuration; starts the health refresh. `env` resolves `env:` secrets. */
export function createRouting(config: GatewayConfig, redis: RedisClient, stats: GatewayStats, log: Logger, env: NodeJS.ProcessEnv = process.env): Routing {
  const cooldown = {
    threshold: config.GW_COOLDOWN_THRESHOLD,
    windowMs: config.GW_COOLDOWN_WINDOW_MS,
    baseMs: config.GW_COOLDOWN_BASE_MS,
    maxMs: config.GW_COOLDOWN_MAX_MS,
    probeLeaseMs: config.GW_PROBE_LEASE_MS,
  };
  const health = new HealthMirror(new CooldownStore(redis, cooldown), { ...cooldown, refreshMs: config.GW_HEALTH_REFRESH_MS }, stats, log);
  health.start();
  const targets = new TargetStats();
  return {
    router: new Router(targets, { exploreRate: config.GW_LATENCY_EXPLORE }),
    rotation: new SecretRotation(),
    secrets: new SecretEnv(env, log),
    health,
    targets,
    retry: {
      maxAttempts: config.GW_MAX_ATTEMPTS,
      deadlineMs: config.GW_RETRY_DEADLINE_MS,
      retryAfterMaxMs: config.GW_RETRY_AFTER_MAX_MS,
      debug: config.GW_DEBUG,
    },
    stop: () => health.stop(),
  };
}
