import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { rateBucketMs, RT_KEYS, type ApiKey, type RedisClient } from '@llmgw/core';
import { Errors } from '../errors/catalog.js';
import type { Logger } from '../logger.js';
import type { GatewayStats } from '../stats.js';
import { leaseEffects } from './lease-effects.js';
import { LeaseRenewal } from './lease-renewal.js';
import { LeaseBook, type Admission, type LeaseAsk, type LeaseEffects } from './leases.js';
import type { GovernanceCommands } from './limit-scripts.js';
import type { RedisTurn } from './redis-turn.js';
import { budgetRefusal, rateLimitRefusal } from './limit-refusals.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';
import { utcPeriod } from './utc-period.js';

export interface LimiterOptions {
  /** The rpm and tpm window (counted in buckets of 1/60 of it). */
  windowMs: number;
  /** A concurrency slot's lease; renewed while the request runs, reclaimed when a pod dies. */
  leaseMs: number;
  /** Longest wait for the admission script before the failure policy applies. */
  timeoutMs: number;
  /** Refuse (503) instead of admitting when Redis cannot answer. */
  failClosed: boolean;
  /** This pod process's id (unique across pods and restarts); random when unset. */
  pod?: string;
  /** Spend slices of a busy key's capacity locally (leases.ts); false: every request asks Redis. */
  leases?: boolean;
  /** Resolves once the usage recorded so far is written (a lease's budget reservation waits for it). */
  usageWritten?: () => Promise<boolean>;
}

export type { Admission } from './leases.js';

/** Does this key need the admission script at all? Keys without limits and budgets skip it. */
export function hasLimits(k: ApiKey): boolean {
  return k.rpm !== undefined || k.tpm !== undefined || k.max_concurrency !== undefined || k.budget_daily !== undefined || k.budget_monthly !== undefined;
}

class TimeoutError extends Error {}

/** One request waiting for the admission script call of its key's batch. */
interface PendingAdmission {
  member: string;
  estimate: number;
  /** Cost to reserve against the budgets, nano-USD (0 = none). */
  reserve: number;
  headers: Record<string, string>;
  resolve(adm: Admission | null): void;
  reject(e: unknown): void;
}

/** Most admissions in one script call (a bigger batch is split): bounds the script's run time. */
export const MAX_ADMISSION_BATCH = 256;
/** Values per admission in the script's reply. */
const STRIDE = 5;
/** Values after the admissions in the script's reply (bucket, lease, what the key has left, the lease's bucket). */
const TAIL = 9;

/**
 * Per-key rpm, tpm, concurrency and budgets, checked and taken by the admission script, so
 * that every pod enforces the same limit exactly. The admissions of one key that arrive in
 * the same event-loop turn go to Redis as one batch (one script call, one timeout timer);
 * the script takes them in arrival order, each all or nothing, exactly as one call each would.
 */
export class KeyLimiter {
  // Members must be unique across pods and requests (client request ids are not).
  private readonly pod: string;
  private seq = 0;
  private failing = false;
  /** Keeps the slots and reservations of running requests and held slices alive. */
  private readonly renewal: LeaseRenewal;
  /**
   * Admissions waiting for the end of this event-loop turn, per key record (one record per
   * key while it is cached; a record edited mid-turn gets a batch of its own).
   */
  private admissions = new Map<ApiKey, PendingAdmission[]>();
  /** Releases waiting for the end of this event-loop turn, per key: one script call per key. */
  private releases = new Map<string, Array<string | number>>();
  /** Keys whose lease ends soon: their next lease is asked for at the end of this turn (`LeaseBook.take`). */
  private readonly aheads = new Set<ApiKey>();
  private flushScheduled = false;
  private readonly bucketMs: number;
  private readonly book: LeaseBook | null;
  private readonly fx: LeaseEffects;

  constructor(
    private readonly redis: RedisClient & GovernanceCommands,
    private readonly turn: RedisTurn,
    private readonly o: LimiterOptions,
    private readonly stats: GatewayStats,
    private readonly log: Logger,
  ) {
    this.bucketMs = rateBucketMs(o.windowMs);
    this.pod = o.pod ?? randomBytes(9).toString('base64url');
    this.fx = leaseEffects(redis, turn, stats, { windowMs: o.windowMs, bucketMs: this.bucketMs, usageWritten: o.usageWritten });
    this.book = o.leases
      ? new LeaseBook(this.pod, this.bucketMs, this.fx, (key) => {
          this.aheads.add(key);
          this.scheduleFlush();
        })
      : null;
    this.renewal = new LeaseRenewal(redis, o.leaseMs, stats, this.book);
  }

  /**
   * Admit or reject with the 429 (rate limit, budget) or 503 (fail closed) to answer. Sets
   * the rate-limit headers of admitted requests in `headers`. Resolves null when Redis
   * failed and the policy is to fail open. `reserveUsd`: the request's estimated cost,
   * reserved against the key's budgets until its real spend is written. An admission from the
   * key's lease is answered at once, not through a promise (most requests of a busy key).
   */
  admit(key: ApiKey, estimate: number, headers: Record<string, string>, reserveUsd = 0): Admission | Promise<Admission | null> {
    const tpmEstimate = key.tpm !== undefined ? estimate : 0;
    const budgets = key.budget_daily !== undefined || key.budget_monthly !== undefined;
    const reserve = budgets && reserveUsd > 0 ? Math.ceil(reserveUsd * 1e9) : 0;
    let list = this.admissions.get(key);
    if (this.book) {
      this.book.note(key, tpmEstimate, reserve);
      // From the key's lease, unless requests of it wait for this turn's batch (they come first).
      const adm = list ? null : this.fromLease(key, tpmEstimate, reserve, headers);
      if (adm) return adm;
    }
    if (!list) this.admissions.set(key, (list = []));
    // Its own slot and reservation member (one from a lease uses the lease's).
    const member = `${this.pod}.${(++this.seq).toString(36)}`;
    const p = new Promise<Admission | null>((resolve, reject) => list.push({ member, estimate: tpmEstimate, reserve, headers, resolve, reject }));
    this.scheduleFlush();
    return p;
  }

  /** At the end of this turn: releases first (slots freed in this turn count for its admissions), then admissions. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.turn.defer(() => {
      this.flushScheduled = false;
      this.flushReleases();
      this.flushAdmissions();
    });
  }

  /** Admit from the key's lease (no Redis call), or null. */
  private fromLease(key: ApiKey, estimate: number, reserve: number, headers: Record<string, string>): Admission | null {
    const adm = this.book!.take(key, estimate, reserve);
    if (!adm) return null;
    this.stats.leaseAdmissions++;
    const l = adm.lease!;
    const resetMs = Math.max(0, Math.ceil(l.resetAt - performance.now()));
    setRateLimitHeaders(
      headers,
      key.rpm !== undefined ? { limit: key.rpm, remaining: Math.max(0, l.rpmLeft + l.requests), resetMs } : null,
      key.tpm !== undefined ? { limit: key.tpm, remaining: Math.max(0, l.tpmLeft + l.tokens), resetMs } : null,
    );
    if (adm.concurrency) this.renewal.hold(adm);
    return adm;
  }

  private flushAdmissions(): void {
    const all = this.admissions;
    this.admissions = new Map();
    const { day, month } = utcPeriod();
    for (const [key, queued] of all) {
      let list = queued;
      if (this.book) {
        // A lease may have come since they were queued: it takes them in order while it covers them.
        let i = 0;
        for (; i < list.length; i++) {
          const a = list[i]!;
          const adm = this.fromLease(key, a.estimate, a.reserve, a.headers);
          if (!adm) break;
          a.resolve(adm);
        }
        if (i === list.length) continue;
        if (i > 0) list = list.slice(i);
      }
      for (let i = 0; i < list.length; i += MAX_ADMISSION_BATCH) {
        this.sendBatch(key, list.length <= MAX_ADMISSION_BATCH ? list : list.slice(i, i + MAX_ADMISSION_BATCH), day, month, i === 0 ? (this.book?.ask(key, list.length) ?? null) : null);
      }
    }
    // The next lease of keys whose lease ends soon, asked for alone (no admission waits for it);
    // a key that sent a batch above asked with it (or is asking already), and `ask` says no.
    for (const key of this.aheads) {
      const ask = this.book!.ask(key, 0);
      if (ask) this.sendBatch(key, [], day, month, ask);
    }
    this.aheads.clear();
  }

  private sendBatch(key: ApiKey, batch: PendingAdmission[], day: string, month: string, ask: LeaseAsk | null): void {
    const id = key.id;
    const argv: Array<string | number> = [
      key.rpm ?? 0, key.tpm ?? 0, key.max_concurrency ?? 0, this.o.leaseMs, this.o.windowMs, this.bucketMs, key.budget_daily ?? -1, key.budget_monthly ?? -1,
      ask?.id ?? '', ask?.s ?? 0, ask?.t ?? 0, ask?.c ?? 0, ask?.m ?? 0, ask ? 2 * this.book!.aheadMs : 0,
    ];
    for (const a of batch) argv.push(a.member, a.estimate, a.reserve);
    const sentAt = performance.now();
    const winKey = RT_KEYS.keyWindow(id);
    const call = this.turn.send<Array<number | string>>(winKey, (p) =>
      p.gwAdmitBatch(winKey, RT_KEYS.keyConcurrency(id), RT_KEYS.keySpendDay(id, day), RT_KEYS.keySpendMonth(id, month), RT_KEYS.keyReservations(id), RT_KEYS.keyReserved(id), ...argv),
    );
    // One timer for the whole batch; whichever comes first (reply, error, timeout) settles it.
    let settled = false;
    const timer =
      this.o.timeoutMs > 0
        ? setTimeout(() => {
            settled = true;
            const err = new TimeoutError(`admission script took more than ${this.o.timeoutMs} ms`);
            for (const a of batch) this.failOne(a, err);
            if (ask) this.book!.unanswered(key);
            // If the script still runs, do not let the slots and reservations it takes linger until their leases end.
            // Its reply may never come (the command timed out too) while the script still runs
            // in a stalled Redis: then give back whatever it took, unseen, once Redis runs it.
            void call.then((res) => this.releaseLate(key, batch, res, ask), () => this.releaseUnseen(key, batch, ask));
          }, this.o.timeoutMs)
        : null;
    call.then(
      (res) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (this.failing) {
          this.failing = false;
          this.log.info('rate limits are checked again (Redis answers)');
        }
        const at = batch.length * STRIDE;
        const bucket = Number(res[at]);
        for (let i = 0; i < batch.length; i++) this.settle(key, batch[i]!, res, i * STRIDE, bucket);
        if (this.book) {
          if (this.book.answered(key, ask, res.slice(at, at + TAIL), sentAt)) this.stats.leasesGranted++;
          if (this.book.held.size > 0) this.renewal.start();
        }
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (ask) this.book!.unanswered(key);
        for (const a of batch) this.failOne(a, e as Error);
      },
    );
  }

  /** Turn one admission's part of the script reply into its answer. */
  private settle(key: ApiKey, a: PendingAdmission, res: Array<number | string>, at: number, bucket: number): void {
    const code = Number(res[at]);
    if (code === 2) {
      this.stats.budgetRefused++;
      return a.reject(budgetRefusal(key, res[at + 1] === 'monthly' ? 'monthly' : 'daily', Number(res[at + 2]), Number(res[at + 3]), Number(res[at + 4])));
    }
    if (code === 1) {
      this.stats.rateLimited++;
      return a.reject(rateLimitRefusal(key, String(res[at + 1]), Number(res[at + 2]), Number(res[at + 3]), a.estimate));
    }
    setRateLimitHeaders(
      a.headers,
      key.rpm !== undefined ? { limit: key.rpm, remaining: Number(res[at + 1]), resetMs: Number(res[at + 2]) } : null,
      key.tpm !== undefined ? { limit: key.tpm, remaining: Number(res[at + 3]), resetMs: Number(res[at + 4]) } : null,
    );
    const concurrency = key.max_concurrency !== undefined;
    const reservation = a.reserve > 0 ? `${a.member}|${a.reserve}` : '';
    const adm: Admission = { key, keyId: key.id, member: a.member, estimate: a.estimate, bucket, concurrency, reservation, lease: null, billed: false, heldAt: -1 };
    if (concurrency) this.book?.slotTaken(key);
    if (concurrency || reservation) this.renewal.hold(adm);
    a.resolve(adm);
  }

  /** Slots and reservations a timed-out batch took after all: its requests went on without them, give them back. */
  private releaseLate(key: ApiKey, batch: PendingAdmission[], res: Array<number | string>, ask: LeaseAsk | null): void {
    const tail = batch.length * STRIDE;
    if (ask && Number(res[tail + 1]) === 1) {
      // The lease was granted after all: nothing was admitted from it, all of it goes back (to the bucket it was counted in).
      const { slots, budget } = LeaseBook.members(ask);
      this.fx.giveBack(key.id, ask.id, Number(res[tail + 8]), ask.s, key.tpm !== undefined ? -ask.t : 0, slots);
      if (budget) this.redis.gwUnreserve(RT_KEYS.keyReservations(key.id), RT_KEYS.keyReserved(key.id), budget).catch(() => {});
    }
    const triples: Array<string | number> = [];
    const reservations: string[] = [];
    batch.forEach((a, i) => {
      if (Number(res[i * STRIDE]) !== 0) return;
      if (key.max_concurrency !== undefined) triples.push(a.member, 0, 0);
      if (a.reserve > 0) reservations.push(`${a.member}|${a.reserve}`);
    });
    const id = key.id;
    if (triples.length) this.redis.gwRelease(RT_KEYS.keyWindow(id), RT_KEYS.keyConcurrency(id), ...triples).catch(() => {});
    if (reservations.length) this.redis.gwUnreserve(RT_KEYS.keyReservations(id), RT_KEYS.keyReserved(id), ...reservations).catch(() => {});
  }

  /**
   * A timed-out batch whose reply never came: it may have run, or may still run, in Redis. Its
   * members' slots and reservations are removed regardless (removing one it did not take is a
   * no-op); sent on the same connection after it, so Redis runs the removal after the batch.
   * Retried a few times while Redis does not answer; a reservation left behind ends with its lease.
   */
  private releaseUnseen(key: ApiKey, batch: PendingAdmission[], ask: LeaseAsk | null, tries = 3): void {
    const id = key.id;
    const slots = key.max_concurrency !== undefined ? batch.flatMap((a) => [a.member, 0, 0]) : [];
    const reservations = batch.filter((a) => a.reserve > 0).map((a) => `${a.member}|${a.reserve}`);
    if (ask) {
      // A lease it may have granted: its slots and budget member (its rpm/tpm counts stay, as an admission's do).
      const m = LeaseBook.members(ask);
      for (const slot of m.slots) slots.push(slot, 0, 0);
      if (m.budget) reservations.push(m.budget);
    }
    const sent: Array<Promise<unknown>> = [];
    if (slots.length) sent.push(this.redis.gwRelease(RT_KEYS.keyWindow(id), RT_KEYS.keyConcurrency(id), ...slots));
    if (reservations.length) sent.push(this.redis.gwUnreserve(RT_KEYS.keyReservations(id), RT_KEYS.keyReserved(id), ...reservations));
    if (sent.length === 0) return;
    Promise.all(sent).catch(() => {
      if (tries > 1) setTimeout(() => this.releaseUnseen(key, batch, ask, tries - 1), 1000).unref();
    });
  }

  /** Redis could not answer for this admission: fail open (null) or closed (503). */
  private failOne(a: PendingAdmission, e: Error): void {
    try {
      a.resolve(this.redisFailed(e));
    } catch (refused) {
      a.reject(refused);
    }
  }

  /**
   * Give the slot back and replace the token estimate with `realTokens` (null = keep the
   * estimate). Pass `releaseSlot: false` to reconcile only (the slot went back earlier).
   */
  release(adm: Admission, realTokens: number | null, releaseSlot = true): void {
    if (releaseSlot) this.renewal.drop(adm);
    const delta = realTokens === null || adm.estimate === 0 ? 0 : realTokens - adm.estimate;
    const slot = releaseSlot && adm.concurrency;
    // A leased request's slot and correction stay with its lease while that is open.
    if (this.book && (slot || delta !== 0) && this.book.release(adm, slot, delta)) return;
    if (!slot && delta === 0) return;
    let list = this.releases.get(adm.keyId);
    if (!list) this.releases.set(adm.keyId, (list = []));
    list.push(slot ? adm.member : '', adm.bucket, delta);
    // Every request of a key that ended in this turn goes back in one call.
    this.scheduleFlush();
  }

  /**
   * The request's usage goes to the recorder: the budget reservation its record frees with its
   * spend ('' = none). Call once per admission, whether or not its usage is recorded.
   */
  billed(adm: Admission): string {
    return this.book ? this.book.billed(adm) : adm.reservation;
  }

  /** A request whose usage will not be recorded (its accounting failed): what it held of a lease's budget is freed. */
  forget(adm: Admission): void {
    const member = this.billed(adm);
    if (member && member !== adm.reservation) this.fx.freeBudget(adm.keyId, member);
  }

  /** Stop the lease renewal timer (shutdown); leases give back what they did not spend. */
  close(): void {
    this.book?.closeAll();
    this.renewal.stop();
    this.flushReleases();
    this.turn.writeNow();
  }

  private flushReleases(): void {
    if (this.releases.size === 0) return;
    const all = this.releases;
    this.releases = new Map();
    for (const [keyId, triples] of all) {
      const win = RT_KEYS.keyWindow(keyId);
      this.turn.send(win, (p) => p.gwRelease(win, RT_KEYS.keyConcurrency(keyId), ...triples)).catch(() => {
        this.stats.redisErrors++; // the leases expire on their own; the estimates stay counted
      });
    }
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
}
