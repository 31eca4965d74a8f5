import { encodeUnsetReport, RT_KEYS, type Provider, type RedisClient } from '@llmgw/core';
import type { Logger } from '../logger.js';
import type { SecretEnv } from '../routing/secret-env.js';

export interface UnsetSecretsReportDeps {
  listProviders(): Promise<Provider[]>;
  secrets: Pick<SecretEnv, 'unset'>;
  redis: RedisClient;
  /** This pod's name in the reports (GW_POD_NAME, else the host name). */
  pod: string;
  log: Logger;
  /** How often the registry is checked and the reports refreshed; each is valid three times as long. */
  intervalMs?: number;
  now?: () => number;
}

const DEFAULT_INTERVAL_MS = 30_000;

/**
 * Says which `env:` secrets this pod cannot resolve: one warn line per provider (naming the
 * variables, never a value) at startup and whenever a provider's set changes, and a report
 * in Redis (core's unset-secrets.ts) for `gwctl provider status`, which cannot see the pods'
 * environment. While Redis is away the warnings still go out; the reports follow when it is back.
 */
export class UnsetSecretsReport {
  /** Provider → the variables last warned about. */
  private readonly warned = new Map<string, string>();
  /** Providers this pod has a report for in Redis. */
  private readonly published = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: UnsetSecretsReportDeps) {
    this.intervalMs = deps.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop, and take this pod's reports back (a pod that leaves no longer counts). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    const { redis, pod } = this.deps;
    await Promise.allSettled([...this.published].map((p) => redis.hdel(RT_KEYS.providerUnsetSecrets(p), pod)));
    this.published.clear();
  }

  /** One pass over the registry (the timer's job; tests call it to skip the wait). */
  run(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<void> {
    const { redis, pod, log } = this.deps;
    let providers: Provider[];
    try {
      providers = await this.deps.listProviders();
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'unset secrets check: registry unreachable; next pass retries');
      return;
    }
    const ttl = 3 * this.intervalMs;
    const until = this.now() + ttl;
    const writes: Array<Promise<unknown>> = [];
    const names = new Set(providers.map((p) => p.name));
    for (const p of providers) {
      const key = RT_KEYS.providerUnsetSecrets(p.name);
      const u = this.deps.secrets.unset(p);
      if (!u) {
        this.warned.delete(p.name);
        if (this.published.delete(p.name)) writes.push(redis.hdel(key, pod));
        continue;
      }
      const vars = u.variables.join(', ');
      if (this.warned.get(p.name) !== vars) {
        this.warned.set(p.name, vars);
        log.warn(
          { provider: p.name, variables: u.variables, secretNumbers: u.secrets },
          `provider ${p.name}: environment variable(s) ${vars} unset on this pod; its secret(s) ${u.secrets.map((n) => `#${n}`).join(', ')} cannot be used here`,
        );
      }
      writes.push(redis.multi().hset(key, pod, encodeUnsetReport({ ...u, until })).pexpire(key, ttl).exec());
      this.published.add(p.name);
    }
    for (const name of this.published) {
      if (names.has(name)) continue;
      this.published.delete(name);
      writes.push(redis.hdel(RT_KEYS.providerUnsetSecrets(name), pod));
    }
    const failed = (await Promise.allSettled(writes)).filter((r) => r.status === 'rejected').length;
    if (failed > 0) log.debug({ failed }, 'unset secrets report: some writes failed; next pass retries');
  }
}
