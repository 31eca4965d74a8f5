import { PROVIDER_SUBJECT } from '@llmgw/core';
import type { Target } from '../pipeline/context.js';
import { providerSecret } from '../upstream/build-request.js';
import type { HealthMirror } from './health-mirror.js';
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
  /** How the cursor chose it, for GW_DEBUG logs. */
  why: 'healthy' | 'half-open probe' | 'everything cooling down: recovers first';
}

/** A target or secret passed over (for GW_DEBUG logs). */
export interface Skip {
  provider: string;
  model: string;
  /** `provider` or `secret #N` (1-based, as gwctl shows it). */
  what: string;
  state: 'cooling' | 'probe taken';
  /** When it may be tried again (epoch ms). */
  until: number;
}

/**
 * Walks a request's plan: targets in policy order, and within a target its secrets in
 * rotation, passing over what is cooling down and taking the half-open probe where one is
 * due. `next('secret')` stays on the current provider when another secret may serve (after
 * a 401/403/429); `next('target')` moves on. When nothing could be tried at all, the one
 * that recovers first is tried anyway rather than failing outright.
 */
export class CandidateCursor {
  private ti = -1;
  private order: number[] = [];
  private readonly triedSecrets = new Set<number>();
  private produced = 0;
  /** Targets passed over, with when they recover. */
  private readonly passed: Array<{ target: Target; until: number }> = [];
  readonly skipped: Skip[] = [];

  constructor(
    private readonly targets: readonly Target[],
    private readonly health: HealthMirror,
    private readonly rotation: SecretRotation,
    private readonly now: () => number = Date.now,
  ) {}

  async next(scope: 'secret' | 'target'): Promise<Candidate | null> {
    const current = this.targets[this.ti];
    if (scope === 'secret' && current) {
      const c = await this.secretOf(current, false);
      if (typeof c !== 'number') return this.take(c);
    }
    while (++this.ti < this.targets.length) {
      const t = this.targets[this.ti]!;
      const name = t.provider.name;
      let probing = false;
      let st = this.health.state(name, PROVIDER_SUBJECT, this.now());
      if (st.kind === 'half-open') {
        probing = await this.health.probe(name, PROVIDER_SUBJECT);
        if (!probing) st = this.health.state(name, PROVIDER_SUBJECT, this.now());
      }
      if (st.kind !== 'ok' && !probing) {
        const until = st.kind === 'cooling' ? st.until : this.now();
        this.skip(t, 'provider', st.kind === 'cooling' && !st.probe ? 'cooling' : 'probe taken', until);
        this.passed.push({ target: t, until });
        continue;
      }
      this.enter(t);
      const c = await this.secretOf(t, false);
      if (typeof c !== 'number') return this.take(probing ? { ...c, why: 'half-open probe' } : c);
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

  private enter(t: Target): void {
    this.order = this.rotation.order(t.provider);
    this.triedSecrets.clear();
  }

  private take(c: Candidate): Candidate {
    this.produced++;
    this.triedSecrets.add(c.secretIndex);
    return c;
  }

  /** The next secret of `t` to use, or when none may be used, when the first one recovers. */
  private async secretOf(t: Target, anyway: boolean): Promise<Candidate | number> {
    const p = t.provider;
    const pick = (i: number, subject: string | null): Candidate => ({ target: t, secretIndex: i, secret: providerSecret(p, i), secretSubject: subject, why: 'healthy' });
    if (p.secrets.length === 0) return this.triedSecrets.has(0) ? Infinity : pick(0, null);
    const subjects = secretSubjects(p);
    let soonest = Infinity;
    let soonestIndex = -1;
    for (const i of this.order) {
      if (this.triedSecrets.has(i) || providerSecret(p, i) === undefined) continue; // tried, or an env: ref unset here
      const subject = subjects[i]!;
      let st = this.health.state(p.name, subject, this.now());
      if (st.kind === 'ok') return pick(i, subject);
      if (st.kind === 'half-open') {
        if (await this.health.probe(p.name, subject)) return { ...pick(i, subject), why: 'half-open probe' };
        st = this.health.state(p.name, subject, this.now());
      }
      const until = st.kind === 'cooling' ? st.until : this.now();
      this.skip(t, `secret #${i + 1}`, st.kind === 'cooling' && !st.probe ? 'cooling' : 'probe taken', until);
      if (until < soonest) {
        soonest = until;
        soonestIndex = i;
      }
    }
    if (anyway && soonestIndex >= 0) return pick(soonestIndex, subjects[soonestIndex]!);
    return soonest;
  }

  private skip(t: Target, what: string, state: Skip['state'], until: number): void {
    const provider = t.provider.name;
    if (this.skipped.some((s) => s.provider === provider && s.model === t.model && s.what === what)) return;
    this.skipped.push({ provider, model: t.model, what, state, until });
  }
}
