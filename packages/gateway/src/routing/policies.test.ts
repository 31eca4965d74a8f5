import type { Provider } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import type { Target } from '../request-context.js';
import { POLICIES } from './policies.js';
import { targetId, type PolicyInputs } from './policy.js';
import { seededRng } from './rng.js';

function target(name: string, weight = 1, priority = 0): Target {
  return { provider: { name } as Provider, model: `m-${name}`, weight, priority };
}

function inputs(over: Partial<PolicyInputs> = {}): PolicyInputs {
  return { rng: seededRng(42), turn: 0, inFlight: () => 0, ttfb: () => undefined, exploreRate: 0, ...over };
}

/** How often each target came first over `n` plans. */
function firsts(n: number, plan: (i: number) => Target[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = plan(i)[0]!.provider.name;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

const N = 20_000;
/** Within 5 standard deviations of a binomial(N, p): fails by chance about once in 3 million runs. */
function expectShare(count: number | undefined, p: number, n = N): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(count ?? 0).toBeGreaterThanOrEqual(n * p - 5 * sd);
  expect(count ?? 0).toBeLessThanOrEqual(n * p + 5 * sd);
}

describe('routing policies (pure, seeded)', () => {
  const a = target('a', 1, 1);
  const b = target('b', 3, 0);
  const c = target('c', 6, 0);
  const all = [a, b, c];

  it('every plan is a permutation of the targets', () => {
    const rng = seededRng(1);
    for (const policy of Object.values(POLICIES)) {
      for (let turn = 0; turn < 10; turn++) {
        const plan = policy(all, inputs({ rng, turn, exploreRate: 0.5, ttfb: (t) => (t === a ? 10 : undefined) }));
        expect(plan.map(targetId).sort()).toEqual(all.map(targetId).sort());
      }
    }
  });

  it('round-robin: each target leads in turn, the rest follow in list order', () => {
    const counts = firsts(300, (turn) => POLICIES['round-robin'](all, inputs({ turn })));
    expect(counts).toEqual({ a: 100, b: 100, c: 100 });
    expect(POLICIES['round-robin'](all, inputs({ turn: 1 })).map((t) => t.provider.name)).toEqual(['b', 'c', 'a']);
  });

  it('weighted: a target leads in proportion to its weight', () => {
    const rng = seededRng(7);
    const counts = firsts(N, () => POLICIES.weighted(all, inputs({ rng })));
    expectShare(counts.a, 0.1);
    expectShare(counts.b, 0.3);
    expectShare(counts.c, 0.6);
  });

  it('weighted: the fallback after the first is also drawn by weight', () => {
    const rng = seededRng(8);
    let bSecondAfterC = 0;
    let cFirst = 0;
    for (let i = 0; i < N; i++) {
      const plan = POLICIES.weighted(all, inputs({ rng }));
      if (plan[0] === c) {
        cFirst++;
        if (plan[1] === b) bSecondAfterC++;
      }
    }
    expectShare(bSecondAfterC, 3 / 4, cFirst);
  });

  it('priority: lowest value first, equal priorities share by weight, higher values are the fallbacks', () => {
    const rng = seededRng(9);
    const counts = firsts(N, () => POLICIES.priority(all, inputs({ rng })));
    expect(counts.a).toBeUndefined();
    expectShare(counts.b, 1 / 3);
    expectShare(counts.c, 2 / 3);
    for (let i = 0; i < 100; i++) expect(POLICIES.priority(all, inputs({ rng }))[2]).toBe(a);
    const strict = [target('x', 1, 2), target('y', 1, -1), target('z', 1, 0)];
    expect(POLICIES.priority(strict, inputs()).map((t) => t.provider.name)).toEqual(['y', 'z', 'x']);
  });

  it('least-busy: fewest in flight first; ties go round robin', () => {
    const busy = new Map([[a, 3], [b, 1], [c, 2]]);
    expect(POLICIES['least-busy'](all, inputs({ inFlight: (t) => busy.get(t)! })).map((t) => t.provider.name)).toEqual(['b', 'c', 'a']);
    const counts = firsts(300, (turn) => POLICIES['least-busy'](all, inputs({ turn })));
    expect(counts).toEqual({ a: 100, b: 100, c: 100 });
  });

  it('latency: unmeasured targets first, then the lowest EWMA; exploration leads with another target at the set rate', () => {
    const ms = new Map<Target, number>([[a, 50], [b, 20], [c, 80]]);
    const ttfb = (t: Target) => ms.get(t);
    expect(POLICIES.latency(all, inputs({ ttfb })).map((t) => t.provider.name)).toEqual(['b', 'a', 'c']);
    expect(POLICIES.latency(all, inputs({ ttfb: (t) => (t === c ? undefined : ms.get(t)) }))[0]).toBe(c);

    const rng = seededRng(11);
    const counts = firsts(N, (turn) => POLICIES.latency(all, inputs({ rng, turn, ttfb, exploreRate: 0.1 })));
    expectShare(counts.b, 0.9);
    expectShare(counts.a, 0.05);
    expectShare(counts.c, 0.05);
  });
});
