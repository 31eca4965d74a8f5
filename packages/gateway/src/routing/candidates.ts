import { PROVIDER_SUBJECT } from '@llmgw/core';
import type { Target } from '../request-context.js';
import type { Endpoint } from '../api/endpoints.js';
import { providerSecret } from '../upstream/build-request.js';
import type { HealthMirror } from './health-mirror.js';
import { targetSubjectOf } from './misconfiguration.js';
import type { SecretResolver } from './secret-env.js';
import type { SecretRotation } from './secret-rotation.js';
import { secretSubjects } from './secret-subjects.js';

/** One (target, secret) to try. */
export interface Candidate {
  target: Target;
  /** Index into `provider.secrets` (0 when the provider has none). */
  secretIndex: number;
  secret: string | undefined;
  /** Health subject of that secret; null when the provider has no secret. */
  secretSubject: string | null;
  /** Health subject of the target's upstream model on this request's endpoint (an upstream 404 cools it). */
  targetSubject: string;
  /** How the cursor chose it, for GW_DEBUG logs. */
  why: 'healthy' | 'half-open probe' | 'everything cooling down: recovers first';
}

/** A target or secret passed over (for GW_DEBUG logs). */
export interface Skip {
  provider: string;
  model: string;
  /** `provider`, `model <upstream model>` or `secret #N` (1-based, as gwctl shows it). */
  what: string;
  state: 'cooling' | 'probe taken' | 'env unset';
  /** When it may be tried again (epoch ms; Infinity for a secret unset on this pod). */
  until: number;
}

/** What a cursor walks besides the plan. */
export interface CursorOptions {
  /** The request's endpoint: a target's model is healthy or not per endpoint. */
  endpoint: Endpoint;
  /** Resolves `env:` secrets in this pod's environment (default: process.env, silently). */
  secrets?: SecretResolver;
  now?: () => number;
}

/** Whether a target may be tried now, by its provider's and its model's health. */
type Gate = { pass: true; probing: boolean } | { pass: false; what: string; state: Skip['state']; until: number };

/**
 * Walks a request's plan: targets in policy order, and within a target its secrets in
 * rotation, passing over what is cooling down (the provider, the target's model on this
 * endpoint, a secret) or cannot be used on this pod (a secret whose `env:` variable is
 * unset), and taking the half-open probe where one is due. `next('secret')` stays on the current provider when another secret may serve (after
 * a 401/403/429); `next('target')` moves on. When nothing could be tried at all, the one
 * that recovers first is tried anyway rather than failing outright.
 */
export class CandidateCursor {
  private ti = -1;
  private order: readonly number[] = [];
  /** Secret indexes of the current target already produced (a provider has a few: an array beats a Set). */
  private readonly triedSecrets: number[] = [];
  private produced = 0;
  /** Targets passed over, with when they recover. */
  private readonly passed: Array<{ target: Target; until: number }> = [];
  readonly skipped: Skip[] = [];
  private readonly endpoint: Endpoint;
  private readonly secrets: SecretResolver;
  private readonly now: () => number;

  constructor(
    private readonly targets: readonly Target[],
    private readonly health: HealthMirror,
    private readonly rotation: SecretRotation,
    opts: CursorOptions,
  ) {
    this.endpoint = opts.endpoint;
    this.secrets = opts.secrets ?? { resolve: providerSecret };
    this.now = opts.now ?? Date.now;
  }

  /**
   * The next candidate; without a promise in the common case of a first target and its first
   * secret in rotation that are healthy now (no probe to take).
   */
  next(scope: 'secret' | 'target'): Candidate | null | Promise<Candidate | null> {
    if (scope !== 'target' || this.ti !== -1 || !this.firstIsHealthy()) return this.nextAsync(scope);
    // What nextAsync does for a first target whose gate passes without a probe.
    const t = this.targets[0]!;
    this.ti = 0;
    this.enter(t);
    const c = this.firstSecretIfHealthy(t);
    return c ? this.take(c) : this.restOfFirst(t);
  }

  private firstIsHealthy(): boolean {
    const t = this.targets[0];
    if (!t) return false;
    const now = this.now();
    const name = t.provider.name;
    return this.health.state(name, PROVIDER_SUBJECT, now).kind === 'ok' && this.health.state(name, targetSubjectOf(this.endpoint, t), now).kind === 'ok';
  }

  /** secretOf's answer when the first secret in rotation order is usable and healthy; else null. */
  private firstSecretIfHealthy(t: Target): Candidate | null {
    const p = t.provider;
    const targetSubject = targetSubjectOf(this.endpoint, t);
    if (p.secrets.length === 0) return { target: t, secretIndex: 0, secret: undefined, secretSubject: null, targetSubject, why: 'healthy' };
    const i = this.order[0]!;
    const secret = this.secrets.resolve(p, i);
    if (secret === undefined) return null;
    const subject = secretSubjects(p)[i]!;
    if (this.health.state(p.name, subject, this.now()).kind !== 'ok') return null;
    return { target: t, secretIndex: i, secret, secretSubject: subject, targetSubject, why: 'healthy' };
  }

  /** The first target entered but its first secret not healthy: the rest of nextAsync's walk. */
  private async restOfFirst(t: Target): Promise<Candidate | null> {
    const c = await this.secretOf(t, false);
    if (typeof c !== 'number') return this.take(c);
    this.passed.push({ target: t, until: c });
    return this.nextAsync('target');
  }

  private async nextAsync(scope: 'secret' | 'target'): Promise<Candidate | null> {
    const current = this.targets[this.ti];
    if (scope === 'secret' && current) {
      const c = await this.secretOf(current, false);
      if (typeof c !== 'number') return this.take(c);
    }
    while (++this.ti < this.targets.length) {
      const t = this.targets[this.ti]!;
      const gate = await this.gate(t);
      if (!gate.pass) {
        this.skip(t, gate.what, gate.state, gate.until);
        this.passed.push({ target: t, until: gate.until });
        continue;
      }
      this.enter(t);
      const c = await this.secretOf(t, false);
      if (typeof c !== 'number') return this.take(gate.probing ? { ...c, why: 'half-open probe' } : c);
      this.passed.push({ target: t, until: c });
    }
    if (this.produced === 0 && this.passed.length > 0) {
      const best = this.passed.reduce((a, b) => (b.until < a.until ? b : a));
      this.ti = this.targets.indexOf(best.target);
      this.enter(best.target);
      const c = await this.secretOf(best.target, true);
      if (typeof c !== 'number') return this.take({ ...c, why: 'everything cooling down: recovers first' });
    }
    return null;
  }

  /**
   * The provider and the target's model must both be usable. A cooling one skips the target
   * before any probe is taken; a half-open one is let through only with its probe.
   */
  private async gate(t: Target): Promise<Gate> {
    const name = t.provider.name;
    const subjects: Array<[subject: string, what: string]> = [
      [PROVIDER_SUBJECT, 'provider'],
      [targetSubjectOf(this.endpoint, t), `model ${t.model}`],
    ];
    const now = this.now();
    for (const [subject, what] of subjects) {
      const st = this.health.state(name, subject, now);
      if (st.kind === 'cooling') return { pass: false, what, state: st.probe ? 'probe taken' : 'cooling', until: st.until };
    }
    let probing = false;
    for (const [subject, what] of subjects) {
      if (this.health.state(name, subject, now).kind !== 'half-open') continue;
      if (await this.health.probe(name, subject)) {
        probing = true;
        continue;
      }
      const st = this.health.state(name, subject, this.now());
      return { pass: false, what, state: st.kind === 'cooling' && !st.probe ? 'cooling' : 'probe taken', until: st.kind === 'cooling' ? st.until : this.now() };
    }
    return { pass: true, probing };
  }

  private enter(t: Target): void {
    this.order = this.rotation.order(t.provider);
    if (this.triedSecrets.length > 0) this.triedSecrets.length = 0;
  }

  private take(c: Candidate): Candidate {
    this.produced++;
    this.triedSecrets.push(c.secretIndex);
    return c;
  }

  /** The next secret of `t` to use, or when none may be used, when the first one recovers. */
  private async secretOf(t: Target, anyway: boolean): Promise<Candidate | number> {
    const p = t.provider;
    const targetSubject = targetSubjectOf(this.endpoint, t);
    const pick = (i: number, subject: string | null, secret: string | undefined): Candidate => ({ target: t, secretIndex: i, secret, secretSubject: subject, targetSubject, why: 'healthy' });
    if (p.secrets.length === 0) return this.triedSecrets.includes(0) ? Infinity : pick(0, null, undefined);
    const subjects = secretSubjects(p);
    let soonest = Infinity;
    let soonestIndex = -1;
    let soonestSecret: string | undefined;
    for (const i of this.order) {
      if (this.triedSecrets.includes(i)) continue;
      const secret = this.secrets.resolve(p, i);
      if (secret === undefined) {
        // An env: reference unset on this pod: never usable here, whatever the wait.
        this.skip(t, `secret #${i + 1}`, 'env unset', Infinity);
        continue;
      }
      const subject = subjects[i]!;
      let st = this.health.state(p.name, subject, this.now());
      if (st.kind === 'ok') return pick(i, subject, secret);
      if (st.kind === 'half-open') {
        if (await this.health.probe(p.name, subject)) return { ...pick(i, subject, secret), why: 'half-open probe' };
        st = this.health.state(p.name, subject, this.now());
      }
      const until = st.kind === 'cooling' ? st.until : this.now();
      this.skip(t, `secret #${i + 1}`, st.kind === 'cooling' && !st.probe ? 'cooling' : 'probe taken', until);
      if (until < soonest) {
        soonest = until;
        soonestIndex = i;
        soonestSecret = secret;
      }
    }
    if (anyway && soonestIndex >= 0) return pick(soonestIndex, subjects[soonestIndex]!, soonestSecret);
    return soonest;
  }

  private skip(t: Target, what: string, state: Skip['state'], until: number): void {
    const provider = t.provider.name;
    if (this.skipped.some((s) => s.provider === provider && s.model === t.model && s.what === what)) return;
    this.skipped.push({ provider, model: t.model, what, state, until });
  }
}
