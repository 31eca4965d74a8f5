import { PROVIDER_SUBJECT, RT_KEYS, secretSubject, subjectState, type SubjectHealth } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { applyFailure, applyProbe, cooldownLength, type CooldownSettings, type FailureInput } from './cooldown-rules.js';
import { CooldownStore } from './cooldowns.js';

const S: CooldownSettings = { threshold: 3, windowMs: 1000, baseMs: 100, maxMs: 1000, probeLeaseMs: 50 };
const fail = (reason = '502'): FailureInput => ({ force: false, reason });
const force = (reason: string, durationMs?: number): FailureInput => ({ force: true, reason, ...(durationMs ? { durationMs } : {}) });

describe('cooldown rules (pure)', () => {
  it('N failures within the window start a cooldown; older ones fall out of the window', () => {
    let h: SubjectHealth | undefined = undefined;
    let r = applyFailure(h, 0, S, fail());
    r = applyFailure(r.health, 500, S, fail());
    expect(r.entered).toBe(false);
    // The window ends at 1000: the third failure starts a new count.
    r = applyFailure(r.health, 1000, S, fail());
    expect(r).toMatchObject({ entered: false, health: { fails: 1 } });
    r = applyFailure(r.health, 1100, S, fail());
    r = applyFailure(r.health, 1200, S, fail('timeout'));
    expect(r).toMatchObject({ entered: true, health: { until: 1300, level: 1, fails: 0, reason: 'timeout' } });
    h = r.health;
    expect(subjectState(h, 1299)).toEqual({ kind: 'cooling', until: 1300, probe: false });
    expect(subjectState(h, 1300)).toEqual({ kind: 'half-open' });
  });

  it('a failure while half-open re-opens at once, for twice as long, up to the cap', () => {
    let h = applyFailure(undefined, 0, S, force('401')).health;
    expect(h.until).toBe(100);
    for (const expected of [200, 400, 800, 1000, 1000]) {
      const now = h.until;
      const r = applyFailure(h, now, S, fail());
      expect(r.entered).toBe(true);
      expect(r.health.until - now).toBe(expected);
      h = r.health;
    }
    expect(cooldownLength(40, S)).toBe(1000);
  });

  it('a failure during a cooldown changes nothing; Retry-After sets the length (capped)', () => {
    const h = applyFailure(undefined, 0, S, force('429', 300)).health;
    expect(h.until).toBe(300);
    expect(applyFailure(h, 100, S, force('429', 5000))).toEqual({ entered: false, health: h });
    expect(applyFailure(undefined, 0, S, force('429', 5000)).health.until).toBe(1000);
  });

  it('one probe after the cooldown until its lease ends', () => {
    const h = applyFailure(undefined, 0, S, force('503')).health;
    expect(applyProbe(h, 50, S).granted).toBe(false);
    const p = applyProbe(h, 100, S);
    expect(p).toMatchObject({ granted: true, health: { probeUntil: 150, probes: 1 } });
    expect(applyProbe(p.health, 120, S).granted).toBe(false);
    expect(subjectState(p.health, 120)).toEqual({ kind: 'cooling', until: 150, probe: true });
    expect(applyProbe(p.health, 150, S)).toMatchObject({ granted: true, health: { probes: 2 } });
    expect(applyProbe(undefined, 0, S).granted).toBe(true);
  });
});

describe('CooldownStore (Lua on a real Redis)', () => {
  const { redis } = useTestRedis();

  it('the scripts do exactly what the TypeScript rules do', async () => {
    const store = new CooldownStore(redis, S);
    const subject = secretSubject('sk-test');
    const steps: Array<['fail', number, FailureInput] | ['probe', number]> = [
      ['fail', 0, fail()], ['fail', 10, fail()], ['fail', 1010, fail()], ['fail', 1020, fail()], ['fail', 1030, fail('connect')],
      ['fail', 1040, fail()], ['probe', 1100], ['probe', 1130], ['probe', 1150], ['fail', 1160, fail()],
      ['probe', 1400], ['fail', 1410, force('429', 250)], ['fail', 1700, force('401')], ['fail', 5000, fail()],
    ];
    let local: SubjectHealth | undefined;
    for (const step of steps) {
      if (step[0] === 'fail') {
        const want = applyFailure(local, step[1], S, step[2]);
        const got = await store.fail('p1', subject, step[1], step[2]);
        expect(got, `fail at ${step[1]}`).toEqual(want);
        local = want.health;
      } else {
        const want = applyProbe(local, step[1], S);
        const got = await store.probe('p1', subject, step[1]);
        expect(got, `probe at ${step[1]}`).toEqual(want);
        local = want.health;
      }
    }
    const read = await store.read(['p1', 'p2']);
    expect(read.get('p1')!.get(subject)).toEqual(local);
    expect(read.get('p2')!.size).toBe(0);
  });

  it('keys carry the provider hash tag; clear forgets a subject; idle state expires', async () => {
    const store = new CooldownStore(redis, S);
    const now = Date.now();
    await store.fail('p1', PROVIDER_SUBJECT, now, force('503'));
    await store.fail('p1', 's:abc', now, force('401'));
    expect(await redis.keys('gw:rt:*')).toEqual([RT_KEYS.providerHealth('p1')]);
    expect(RT_KEYS.providerHealth('p1')).toContain('{p:p1}');
    const ttl = await redis.pttl(RT_KEYS.providerHealth('p1'));
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(4 * S.maxMs + S.probeLeaseMs);
    await store.clear('p1', [PROVIDER_SUBJECT]);
    const read = (await store.read(['p1'])).get('p1')!;
    expect([...read.keys()]).toEqual(['s:abc']);
  });
});
