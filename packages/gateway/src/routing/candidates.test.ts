import { PROVIDER_SUBJECT, secretSubject, targetSubject, type Provider, type SubjectHealth } from '@llmgw/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Target } from '../request-context.js';
import { ENDPOINTS } from '../api/endpoints.js';
import { createStats } from '../stats.js';
import { CandidateCursor } from './candidates.js';
import { applyFailure, applyProbe, type CooldownSettings } from './cooldown-rules.js';
import type { HealthStore } from './cooldowns.js';
import { HealthMirror } from './health-mirror.js';
import { SecretRotation } from './secret-rotation.js';

const CHAT = ENDPOINTS.get('/chat/completions')!;
const S: CooldownSettings = { threshold: 2, windowMs: 10_000, baseMs: 1000, maxMs: 8000, probeLeaseMs: 500 };

/** The shared store, in memory, with the same rules as the Lua scripts. */
class MemoryStore implements HealthStore {
  readonly data = new Map<string, Map<string, SubjectHealth>>();
  private m(p: string) {
    let m = this.data.get(p);
    if (!m) this.data.set(p, (m = new Map()));
    return m;
  }
  async fail(p: string, s: string, now: number, f: Parameters<HealthStore['fail']>[3]) {
    const r = applyFailure(this.m(p).get(s), now, S, f);
    this.m(p).set(s, r.health);
    return r;
  }
  async probe(p: string, s: string, now: number) {
    const r = applyProbe(this.m(p).get(s), now, S);
    this.m(p).set(s, r.health);
    return r;
  }
  async clear(p: string, subjects: string[]) {
    for (const s of subjects) this.m(p).delete(s);
  }
  async read(ps: string[]) {
    return new Map(ps.map((p) => [p, new Map(this.m(p))]));
  }
}

function setup() {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const store = new MemoryStore();
  const mirror = (st = store) => new HealthMirror(st, { ...S, refreshMs: 0 }, createStats(), pino({ level: 'silent' }), clock.now);
  return { clock, store, mirror };
}

function target(name: string, secrets: string[] = [`sk-${name}-1`]): Target {
  return { provider: { name, type: 'openai', secrets } as Provider, model: `m-${name}`, weight: 1, priority: 0 };
}

const label = (c: { target: Target; secretIndex: number } | null) => (c ? `${c.target.provider.name}#${c.secretIndex + 1}` : null);

describe('CandidateCursor', () => {
  it('goes down the plan; within a target, the next secret only when asked', async () => {
    const { mirror, clock } = setup();
    const h = mirror();
    const a = target('a', ['sk-a-1', 'sk-a-2']);
    const b = target('b');
    const cur = new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    expect(label(await cur.next('target'))).toBe('a#1');
    expect(label(await cur.next('secret'))).toBe('a#2');
    expect(label(await cur.next('secret'))).toBe('b#1');
    expect(await cur.next('secret')).toBeNull();
    // Rotation: the next request starts on the other secret.
    const cur2 = new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    expect(label(await cur2.next('target'))).toBe('a#1');
    expect(label(await cur2.next('target'))).toBe('b#1');
  });

  it('a healthy first target and secret come without a promise; a cooling first secret takes the async walk, rotating once per request', async () => {
    const { mirror, clock } = setup();
    const h = mirror();
    const a = target('a', ['sk-a-1', 'sk-a-2', 'sk-a-3']);
    const b = target('b');
    const rotation = new SecretRotation();
    const sync = new CandidateCursor([a, b], h, rotation, { endpoint: CHAT, now: clock.now }).next('target');
    expect(sync).not.toBeInstanceOf(Promise);
    expect(label(sync as Awaited<typeof sync>)).toBe('a#1');
    // The next request starts on secret #2, which is cooling: #3 is the answer, after the walk.
    h.fail('a', secretSubject('sk-a-2'), { force: true, reason: '401' }, { provider: 'a', what: 'secret #2' });
    const cur = new CandidateCursor([a, b], h, rotation, { endpoint: CHAT, now: clock.now });
    const walked = cur.next('target');
    expect(walked).toBeInstanceOf(Promise);
    expect(label(await walked)).toBe('a#3');
    expect(cur.skipped.map((s) => `${s.provider} ${s.what} ${s.state}`)).toEqual(['a secret #2 cooling']);
    expect(label(await cur.next('secret'))).toBe('a#1');
    expect(label(await cur.next('secret'))).toBe('b#1');
    // The rotation moved once per request (not twice for the one that walked): the third starts on #3.
    expect(label(await new CandidateCursor([a, b], h, rotation, { endpoint: CHAT, now: clock.now }).next('target'))).toBe('a#3');
  });

  it('passes over a cooling provider and a cooling secret, and says so', async () => {
    const { mirror, clock } = setup();
    const h = mirror();
    const a = target('a', ['sk-a-1', 'sk-a-2']);
    const b = target('b');
    h.fail('b', PROVIDER_SUBJECT, { force: true, reason: '503' }, { provider: 'b', what: 'provider' });
    h.fail('a', secretSubject('sk-a-1'), { force: true, reason: '401' }, { provider: 'a', what: 'secret #1' });
    const cur = new CandidateCursor([b, a], h, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    expect(label(await cur.next('target'))).toBe('a#2');
    expect(cur.skipped.map((s) => `${s.provider} ${s.what} ${s.state}`)).toEqual(['b provider cooling', 'a secret #1 cooling']);
    expect(await cur.next('secret')).toBeNull();
  });

  it('passes over a target whose model is cooling on this endpoint only, without taking the provider probe', async () => {
    const { mirror, clock } = setup();
    const h = mirror();
    const a = target('a');
    const b = target('b');
    h.fail('a', targetSubject('m-a', '/chat/completions'), { force: true, reason: '404 …' }, { provider: 'a', what: 'model m-a' });
    const cur = new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    const c = await cur.next('target');
    expect(c).toMatchObject({ target: b, targetSubject: 't:/chat/completions:m-b' });
    expect(cur.skipped.map((s) => `${s.provider} ${s.what} ${s.state}`)).toEqual(['a model m-a cooling']);
    // The same model on another endpoint is another subject.
    const emb = new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: ENDPOINTS.get('/embeddings')!, now: clock.now });
    expect(await emb.next('target')).toMatchObject({ target: a, targetSubject: 't:/embeddings:m-a' });
    // Half-open: the model's probe lets one request through.
    clock.advance(1000);
    const probe = await new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: CHAT, now: clock.now }).next('target');
    expect(probe).toMatchObject({ target: a, why: 'half-open probe' });
    const other = new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    expect(await other.next('target')).toMatchObject({ target: b });
    expect(other.skipped[0]).toMatchObject({ provider: 'a', what: 'model m-a', state: 'probe taken' });
  });

  it('when everything is cooling down, tries the one that recovers first (once)', async () => {
    const { mirror, clock } = setup();
    const h = mirror();
    const a = target('a');
    const b = target('b', ['sk-b-1', 'sk-b-2']);
    h.fail('a', PROVIDER_SUBJECT, { force: true, durationMs: 5000, reason: '503' }, { provider: 'a', what: 'provider' });
    h.fail('b', secretSubject('sk-b-1'), { force: true, durationMs: 3000, reason: '429' }, { provider: 'b', what: 'secret #1' });
    h.fail('b', secretSubject('sk-b-2'), { force: true, durationMs: 2000, reason: '429' }, { provider: 'b', what: 'secret #2' });
    const cur = new CandidateCursor([a, b], h, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    const c = await cur.next('target');
    expect(label(c)).toBe('b#2');
    expect(c!.why).toBe('everything cooling down: recovers first');
    expect(await cur.next('target')).toBeNull();
  });

  it('after a cooldown, one request probes; the others pass over it until the probe answers', async () => {
    const { mirror, clock, store } = setup();
    const pod1 = mirror();
    const pod2 = mirror();
    const a = target('a');
    const b = target('b');
    pod1.fail('a', PROVIDER_SUBJECT, { force: true, reason: 'connect' }, { provider: 'a', what: 'provider' });
    await new Promise((r) => setImmediate(r)); // the write reaches the store
    await pod2.watch(['a', 'b']); // first sight: read from the store
    clock.advance(1000);
    const first = await new CandidateCursor([a, b], pod1, new SecretRotation(), { endpoint: CHAT, now: clock.now }).next('target');
    expect(label(first)).toBe('a#1');
    expect(first!.why).toBe('half-open probe');
    const other = new CandidateCursor([a, b], pod2, new SecretRotation(), { endpoint: CHAT, now: clock.now });
    expect(label(await other.next('target'))).toBe('b#1');
    expect(other.skipped[0]).toMatchObject({ provider: 'a', state: 'probe taken' });
    // The probe succeeds: the state is gone for everyone.
    pod1.succeed('a', [PROVIDER_SUBJECT]);
    await new Promise((r) => setImmediate(r));
    expect(store.data.get('a')!.has(PROVIDER_SUBJECT)).toBe(false);
    await pod2.refresh();
    expect(label(await new CandidateCursor([a, b], pod2, new SecretRotation(), { endpoint: CHAT, now: clock.now }).next('target'))).toBe('a#1');
  });

  it('skips secrets whose env: reference is unset on this pod', async () => {
    const { mirror, clock } = setup();
    const a = target('a', ['env:GW_TEST_UNSET_SECRET_X', 'sk-literal']);
    const cur = new CandidateCursor([a], mirror(), new SecretRotation(), { endpoint: CHAT, now: clock.now });
    expect(label(await cur.next('target'))).toBe('a#2');
    expect(await cur.next('secret')).toBeNull();
  });

  it('a provider without secrets is one candidate', async () => {
    const { mirror, clock } = setup();
    const cur = new CandidateCursor([target('a', [])], mirror(), new SecretRotation(), { endpoint: CHAT, now: clock.now });
    const c = await cur.next('target');
    expect(c).toMatchObject({ secretIndex: 0, secret: undefined, secretSubject: null });
    expect(await cur.next('secret')).toBeNull();
  });
});
