import { describe, expect, it } from 'vitest';
import { arm, release, Tier, type Timed } from './deadlines.js';

function item(onDeadline: (self: Timed) => void = () => {}): Timed & { fired: number } {
  const t: Timed & { fired: number } = {
    deadline: 0,
    tier: null,
    slot: -1,
    fired: 0,
    onDeadline() {
      t.fired++;
      onDeadline(t);
    },
  };
  return t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deadline tiers', () => {
  it('add and remove in any order leave exactly the items not removed, each knowing its place', () => {
    const tier = new Tier(1_000);
    const items = Array.from({ length: 50 }, () => item());
    for (const it of items) tier.add(it);
    // Remove every third, from the middle outwards, then the first and the last.
    const gone = new Set([...items.filter((_, i) => i % 3 === 0), items[1]!, items[49]!]);
    for (const it of gone) tier.remove(it);
    expect(tier.size).toBe(50 - gone.size);
    for (const it of items) {
      if (gone.has(it)) expect([it.tier, it.slot]).toEqual([null, -1]);
      else expect(it.tier).toBe(tier);
    }
    // Removing twice, or from a tier that does not hold it, changes nothing.
    tier.remove(items[0]!);
    new Tier(1_000).remove(items[2]!);
    expect(tier.size).toBe(50 - gone.size);
    for (const it of items) if (!gone.has(it)) tier.remove(it);
    expect(tier.size).toBe(0);
  });

  it('fires each passed deadline once, drops released ones, and keeps the rest', async () => {
    const soon = Array.from({ length: 20 }, () => item());
    const later = Array.from({ length: 20 }, () => item());
    const released = Array.from({ length: 20 }, () => item());
    for (let i = 0; i < 20; i++) {
      arm(soon[i]!, 20);
      arm(released[i]!, 20);
      arm(later[i]!, 60_000);
    }
    for (const it of released) release(it);
    await sleep(300);
    expect(soon.map((t) => t.fired)).toEqual(soon.map(() => 1));
    expect(released.map((t) => t.fired)).toEqual(released.map(() => 0));
    expect(later.map((t) => t.fired)).toEqual(later.map(() => 0));
    expect(soon.every((t) => t.tier === null && t.slot === -1)).toBe(true);
    for (const it of later) release(it);
  });

  it('an onDeadline that releases and arms other items during the tick: nothing is skipped or fired twice', async () => {
    const victims = Array.from({ length: 10 }, () => item());
    const spawned: Array<Timed & { fired: number }> = [];
    // Each firing item releases a victim (whatever its place) and arms a new short one.
    const killers = Array.from({ length: 10 }, (_, i) =>
      item(() => {
        release(victims[i]!);
        const s = item();
        spawned.push(s);
        arm(s, 20);
      }),
    );
    for (let i = 0; i < 10; i++) {
      arm(victims[i]!, 60_000);
      arm(killers[i]!, 20);
    }
    await sleep(400);
    expect(killers.map((t) => t.fired)).toEqual(killers.map(() => 1));
    expect(victims.map((t) => [t.fired, t.tier])).toEqual(victims.map(() => [0, null]));
    expect(spawned.map((t) => t.fired)).toEqual(spawned.map(() => 1));
  });
});
