import { randomBytes } from 'node:crypto';
import { RT_KEYS, type ApiKey, type RedisClient } from '@llmgw/core';
import { Errors, type GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { GatewayStats } from '../stats.js';
import type { GovernanceCommands } from './limit-scripts.js';
import { formatResetDuration, retryAfterHeaders, setRateLimitHeaders } from './rate-limit-headers.js';
import { utcPeriod } from './utc-period.js';

export interface LimiterOptions {
  /** Sliding window of rpm and tpm. */
  windowMs: number;
  /** A concurrency slot's lease; renewed while the request runs, reclaimed when a pod dies. */
  leaseMs: number;
  /** Longest wait for the admission script before the failure policy applies. */
  timeoutMs: number;
  /** Refuse (503) instead of admitting when Redis cannot answer. */
  failClosed: boolean;
}

/** What a request holds after admission, given back by `release`. */
export interface Admission {
  keyId: string;
  member: string;
  /** Tokens the tpm window counts for this request until it is reconciled (0 without tpm). */
  estimate: number;
  concurrency: boolean;
}

/** Does this key need the admission script at all? Keys without limits and budgets skip it. */
export function hasLimits(k: ApiKey): boolean {
  return k.rpm !== undefined || k.tpm !== undefined || k.max_concurrency !== undefined || k.budget_daily !== undefined || k.budget_monthly !== undefined;
}

class TimeoutError extends Error {}

/**
 * Per-key rpm, tpm, concurrency and budgets, checked and taken in ONE Redis round trip by
 * the admission script, so that every pod enforces the same limit exactly.
 */
export class KeyLimiter {
  // Members must be unique across pods and requests (client request ids are not).
  private readonly pod = randomBytes(6).toString('base64url');
  private seq = 0;
  private failing = false;
  /** Admissions holding a concurrency lease, renewed together by one pod-wide timer. */
  private readonly leases = new Set<Admission>();
  private renewTimer: NodeJS.Timeout | null = null;
  /** Releases waiting for the end of this event-loop turn, per key: one script call per key. */
  private releases = new Map<string, Array<string | number>>();
  private releaseScheduled = false;

  constructor(
    private readonly redis: RedisClient & GovernanceCommands,
    private readonly o: LimiterOptions,
    private readonly stats: GatewayStats,
    private readonly log: Logger,
  ) {}

  /**
   * Admit or throw the 429 (rate limit, budget) or 503 (fail closed) to answer. Sets the
   * rate-limit headers of admitted requests in `headers`. Resolves null when Redis failed
   * and the policy is to fail open.
   */
  async admit(key: ApiKey, estimate: number, headers: Record<string, string>): Promise<Admission | null> {
    const id = key.id;
    const member = `${this.pod}.${(++this.seq).toString(36)}`;
    const tpmEstimate = key.tpm !== undefined ? estimate : 0;
    const { day, month } = utcPeriod();
    let res: Array<number | string>;
    try {
      res = await this.withTimeout(
        this.redis.gwAdmit(
          RT_KEYS.keyRpm(id), RT_KEYS.keyTpm(id), RT_KEYS.keyTpmTokens(id), RT_KEYS.keyConcurrency(id),
          RT_KEYS.keySpendDay(id, day), RT_KEYS.keySpendMonth(id, month),
          member, key.rpm ?? 0, key.tpm ?? 0, tpmEstimate, key.max_concurrency ?? 0, this.o.leaseMs, this.o.windowMs,
          key.budget_daily ?? -1, key.budget_monthly ?? -1,
        ),
        key, member,
      );
    } catch (e) {
      return this.redisFailed(e as Error);
    }
    if (this.failing) {
      this.failing = false;
      this.log.info('rate limits are checked again (Redis answers)');
    }
    const code = Number(res[0]);
    if (code === 2) {
      this.stats.budgetRefused++;
      throw Errors.insufficientQuota(res[1] === 'monthly' ? 'monthly' : 'daily');
    }
    if (code === 1) {
      this.stats.rateLimited++;
      throw this.refusal(key, String(res[1]), Number(res[2]), Number(res[3]), tpmEstimate);
    }
    setRateLimitHeaders(
      headers,
      key.rpm !== undefined ? { limit: key.rpm, remaining: Number(res[1]), resetMs: Number(res[2]) } : null,
      key.tpm !== undefined ? { limit: key.tpm, remaining: Number(res[3]), resetMs: Number(res[4]) } : null,
    );
    const concurrency = key.max_concurrency !== undefined;
    const adm: Admission = { keyId: id, member, estimate: tpmEstimate, concurrency };
    if (concurrency) this.hold(adm);
    return adm;
  }

  /**
   * Give the slot back and replace the token estimate with `realTokens` (null = keep the
   * estimate). Pass `releaseSlot: false` to reconcile only (the slot went back earlier).
   */
  release(adm: Admission, realTokens: number | null, releaseSlot = true): void {
    if (releaseSlot) this.leases.delete(adm);
    const delta = realTokens === null || adm.estimate === 0 ? 0 : realTokens - adm.estimate;
    const slot = releaseSlot && adm.concurrency;
    if (!slot && delta === 0) return;
    let list = this.releases.get(adm.keyId);
    if (!list) this.releases.set(adm.keyId, (list = []));
    list.push(adm.member, delta, slot ? '1' : '0');
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    // Still before the next request is read (check phase precedes the next poll), and
    // every request of a key that ended in this turn goes back in one call.
    setImmediate(() => this.flushReleases());
  }

  /** Stop the lease renewal timer (shutdown). */
  close(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    this.flushReleases();
  }

  private flushReleases(): void {
    this.releaseScheduled = false;
    const all = this.releases;
    this.releases = new Map();
    for (const [keyId, triples] of all) {
      this.redis.gwRelease(RT_KEYS.keyTpmTokens(keyId), RT_KEYS.keyConcurrency(keyId), ...triples).catch(() => {
        this.stats.redisErrors++; // the leases expire on their own; the estimates stay counted
      });
    }
  }

  /** A request longer than its lease keeps it alive; a dead pod stops renewing and its slots are reclaimed. */
  private hold(adm: Admission): void {
    this.leases.add(adm);
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => this.renewAll(), Math.max(50, Math.floor(this.o.leaseMs / 3)));
    this.renewTimer.unref();
  }

  private renewAll(): void {
    if (this.leases.size === 0) return;
    const byKey = new Map<string, string[]>();
    for (const a of this.leases) {
      let m = byKey.get(a.keyId);
      if (!m) byKey.set(a.keyId, (m = []));
      m.push(a.member);
    }
    for (const [keyId, members] of byKey) {
      this.redis.gwRenew(RT_KEYS.keyConcurrency(keyId), this.o.leaseMs, ...members).catch(() => this.stats.redisErrors++);
    }
  }

  private withTimeout<T>(p: Promise<T>, key: ApiKey, member: string): Promise<T> {
    if (this.o.timeoutMs <= 0) return p;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new TimeoutError(`admission script took more than ${this.o.timeoutMs} ms`));
        // If the script still runs, do not let the slot it may take linger until its lease ends.
        if (key.max_concurrency !== undefined) {
          void p.then(() => this.redis.gwRelease(RT_KEYS.keyTpmTokens(key.id), RT_KEYS.keyConcurrency(key.id), member, 0, '1')).catch(() => {});
        }
      }, this.o.timeoutMs);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e as Error);
        },
      );
    });
  }

  private redisFailed(e: Error): null {
    this.stats.redisErrors++;
    if (!this.failing) {
      this.failing = true;
      this.log.warn({ err: e.message, failClosed: this.o.failClosed }, this.o.failClosed ? 'cannot check rate limits: refusing limited keys (GW_LIMITS_FAIL_CLOSED)' : 'cannot check rate limits: admitting without them (fail open)');
    }
    if (this.o.failClosed) throw Errors.limitsUnavailable();
    return null;
  }

  private refusal(key: ApiKey, kind: string, retryMs: number, used: number, requested: number): GatewayError {
    const wait = formatResetDuration(retryMs);
    const headers: Record<string, string> = kind === 'too_large' ? {} : retryAfterHeaders(retryMs);
    if (kind === 'requests') {
      setRateLimitHeaders(headers, { limit: key.rpm!, remaining: 0, resetMs: retryMs }, null);
      return Errors.rateLimited('requests', `Rate limit reached for requests per min (RPM) on this key: Limit ${key.rpm}, Used ${used}, Requested 1. Please try again in ${wait}.`, headers);
    }
    if (kind === 'concurrency') {
      return Errors.rateLimited('requests', `Too many concurrent requests on this key: Limit ${key.max_concurrency}, In flight ${used}. Please try again when one of them finishes.`, headers);
    }
    if (kind === 'too_large') {
      return Errors.rateLimited('tokens', `Request too large for tokens per min (TPM) on this key: Limit ${key.tpm}, Requested ${requested}. The input or max_tokens must be reduced in order to run successfully.`, headers);
    }
    setRateLimitHeaders(headers, null, { limit: key.tpm!, remaining: Math.max(0, key.tpm! - used), resetMs: retryMs });
    return Errors.rateLimited('tokens', `Rate limit reached for tokens per min (TPM) on this key: Limit ${key.tpm}, Used ${used}, Requested ${requested}. Please try again in ${wait}.`, headers);
  }
}
