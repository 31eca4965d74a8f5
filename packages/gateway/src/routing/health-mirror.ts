import { subjectState, type SubjectHealth, type SubjectState } from '@llmgw/core';
import type { Logger } from '../logger.js';
import type { GatewayStats } from '../stats.js';
import { applyFailure, applyProbe, hasState, isCoolingDown, type CooldownSettings, type FailureInput } from './cooldown-rules.js';
import type { HealthStore } from './cooldowns.js';

export interface MirrorOptions extends CooldownSettings {
  /** How often the health of the providers in use is re-read from Redis. */
  refreshMs: number;
  /** A provider not routed to for this long is no longer refreshed. */
  forgetAfterMs?: number;
}

/** Who a subject is, for logs (never the secret). */
export interface SubjectLabel {
  provider: string;
  /** `provider`, or `secret #2` (1-based, as gwctl shows it). */
  what: string;
}

/** How precisely `watch` keeps when a provider was last routed to. */
const WATCH_PRECISION_MS = 1_000;

/**
 * This pod's copy of the shared provider/secret health. Routing reads it without touching
 * Redis; it is re-read for the providers in use every `refreshMs` (one pipelined read) and
 * updated at once by this pod's own decisions, which are applied locally first and then
 * written through the Redis scripts, whose answer replaces the local guess. When Redis is
 * unreachable the pod keeps routing on its own observations.
 */
export class HealthMirror {
  private readonly health = new Map<string, Map<string, SubjectHealth>>();
  /** Providers in use → when last routed to. */
  private readonly watched = new Map<string, number>();
  /** First reads still under way, so concurrent first requests all wait for them. */
  private readonly firstLoads = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly store: HealthStore,
    private readonly opts: MirrorOptions,
    private readonly stats: Pick<GatewayStats, 'cooldownsEntered' | 'redisErrors'>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer || this.opts.refreshMs <= 0) return;
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Note the providers a request may use. A provider seen for the first time is read from
   * Redis before it is routed to (the returned promise; once per provider per pod), so a
   * new pod honours cooldowns that other pods set; otherwise there is nothing to wait for.
   */
  watch(providers: readonly string[]): Promise<unknown> | null {
    const now = this.now();
    let fresh: string[] | null = null;
    let waits: Array<Promise<void>> | null = null;
    for (const p of providers) {
      const at = this.watched.get(p);
      if (at === undefined) (fresh ??= []).push(p);
      else if (this.firstLoads.has(p)) (waits ??= []).push(this.firstLoads.get(p)!);
      // Read against forgetAfterMs (minutes), so to the second is enough: a write per request
      // would put a new number into this long-lived Map every time (a write barrier, and a
      // young object the next scavenge must visit).
      if (at === undefined || now - at >= WATCH_PRECISION_MS) this.watched.set(p, now);
    }
    if (fresh) {
      const names = fresh;
      const load = this.load(names).finally(() => names.forEach((p) => this.firstLoads.delete(p)));
      for (const p of names) this.firstLoads.set(p, load);
      (waits ??= []).push(load);
    }
    return waits ? Promise.all(waits) : null;
  }

  get(provider: string, subject: string): SubjectHealth | undefined {
    return this.health.get(provider)?.get(subject);
  }

  state(provider: string, subject: string, now = this.now()): SubjectState {
    return subjectState(this.get(provider, subject), now);
  }

  /** Every subject of a provider (for debug logs and tests). */
  subjects(provider: string): ReadonlyMap<string, SubjectHealth> {
    return this.health.get(provider) ?? new Map();
  }

  /** The shared health of these providers as Redis has it now (for /status); this pod's copy when Redis cannot answer. */
  async readShared(providers: string[]): Promise<Map<string, ReadonlyMap<string, SubjectHealth>>> {
    try {
      return await this.store.read(providers);
    } catch {
      return new Map(providers.map((p) => [p, this.subjects(p)]));
    }
  }

  /** Record a failure of a subject; a cooldown it starts is honoured here at once. */
  fail(provider: string, subject: string, f: FailureInput, label: SubjectLabel): void {
    const now = this.now();
    const local = applyFailure(this.get(provider, subject), now, this.opts, f);
    this.set(provider, subject, local.health);
    this.store.fail(provider, subject, now, f).then(
      (r) => {
        this.set(provider, subject, r.health);
        if (r.entered) this.entered(label, r.health, f);
      },
      (e: Error) => {
        this.stats.redisErrors++;
        if (local.entered) this.entered(label, local.health, f);
        this.log.debug({ err: e.message }, 'health write failed; cooldown kept on this pod only');
      },
    );
  }

  /**
   * Take the half-open probe of a subject: true when this request is the one let through.
   * Without Redis, the pod decides alone.
   */
  async probe(provider: string, subject: string): Promise<boolean> {
    const now = this.now();
    try {
      const r = await this.store.probe(provider, subject, now);
      this.set(provider, subject, r.health);
      return r.granted;
    } catch {
      this.stats.redisErrors++;
      const r = applyProbe(this.get(provider, subject), now, this.opts);
      this.set(provider, subject, r.health);
      return r.granted;
    }
  }

  /** A success through these subjects clears their failures and cooldown level (no write when clean). */
  succeed(provider: string, subjects: readonly string[]): void {
    // Every answered request comes here: a provider with nothing recorded has nothing to clear.
    if (!this.health.get(provider)?.size) return;
    this.clear(provider, subjects.filter((s) => hasState(this.get(provider, s))));
  }

  /**
   * A good answer has started (2xx headers): subjects in a cooldown or half-open come back at
   * once, so a probe's answer readmits the target without waiting for its end. A bare count
   * of failures stays until `succeed`, when the answer also ended well: a stream that starts
   * and then dies must count towards the threshold, not reset it.
   */
  recover(provider: string, subjects: readonly string[]): void {
    if (!this.health.get(provider)?.size) return;
    this.clear(provider, subjects.filter((s) => isCoolingDown(this.get(provider, s))));
  }

  /** Re-read the providers in use now (the timer's job; tests call it to skip the wait). */
  refresh(): Promise<void> {
    const now = this.now();
    const forget = this.opts.forgetAfterMs ?? 600_000;
    for (const [p, at] of this.watched) {
      if (now - at > forget) {
        this.watched.delete(p);
        this.health.delete(p);
      }
    }
    this.refreshing ??= this.load([...this.watched.keys()]).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async load(providers: string[]): Promise<void> {
    if (providers.length === 0) return;
    try {
      const read = await this.store.read(providers);
      for (const [p, subjects] of read) this.health.set(p, subjects);
    } catch (e) {
      // Keep what this pod knows; the next refresh tries again.
      this.log.debug({ err: (e as Error).message }, 'provider health refresh failed');
    }
  }

  /** Forget these subjects here and in Redis. */
  private clear(provider: string, subjects: string[]): void {
    if (subjects.length === 0) return;
    for (const s of subjects) this.health.get(provider)?.delete(s);
    this.store.clear(provider, subjects).catch(() => this.stats.redisErrors++);
  }

  private set(provider: string, subject: string, h: SubjectHealth): void {
    let m = this.health.get(provider);
    if (!m) this.health.set(provider, (m = new Map()));
    m.set(subject, h);
  }

  private entered(label: SubjectLabel, h: SubjectHealth, f: FailureInput): void {
    this.stats.cooldownsEntered++;
    this.log.warn(
      { provider: label.provider, subject: label.what, reason: f.reason, cooldownMs: Math.max(0, h.until - this.now()), level: h.level },
      `${label.provider} ${label.what} cooling down`,
    );
  }
}
