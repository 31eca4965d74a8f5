import { RT_KEYS, type RedisClient } from '@llmgw/core';
import type { GatewayStats } from '../stats.js';
import type { Admission, LeaseBook } from './leases.js';
import type { GovernanceCommands } from './limit-scripts.js';

/**
 * Keeps what running requests and held slices hold in Redis alive: a concurrency slot or a
 * budget reservation is a zset member with an expiry (`leaseMs`), renewed by one pod-wide
 * timer every third of it; a dead pod stops renewing and its members are reclaimed.
 */
export class LeaseRenewal {
  /**
   * Admissions holding a concurrency slot or a reservation, each knowing its place (a removal
   * moves the last one into the hole). Not a `Set`: one add and one delete per request make a
   * long-lived Set rehash into the old generation (deadlines.ts says more).
   */
  private readonly held: Admission[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: RedisClient & GovernanceCommands,
    private readonly leaseMs: number,
    private readonly stats: GatewayStats,
    private readonly book: LeaseBook | null,
  ) {}

  /** A request longer than its lease keeps it alive. */
  hold(adm: Admission): void {
    const held = this.held;
    if (adm.heldAt < 0 || held[adm.heldAt] !== adm) {
      adm.heldAt = held.length;
      held.push(adm);
    }
    this.start();
  }

  /** The request gave its slot back. */
  drop(adm: Admission): void {
    const held = this.held;
    const at = adm.heldAt;
    if (at < 0 || held[at] !== adm) return;
    const last = held.pop()!;
    if (last !== adm) {
      held[at] = last;
      last.heldAt = at;
    }
    adm.heldAt = -1;
  }

  /** The timer runs (idempotent): the slices of `book` are renewed by it too. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.renewAll(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private renewAll(): void {
    if (this.held.length === 0 && (!this.book || this.book.held.size === 0)) return;
    // Per zset (a key's concurrency slots, a key's reservations): the members to renew.
    const byZset = new Map<string, string[]>();
    const add = (zset: string, member: string) => {
      let m = byZset.get(zset);
      if (!m) byZset.set(zset, (m = []));
      m.push(member);
    };
    for (const a of this.held) {
      if (a.concurrency) add(RT_KEYS.keyConcurrency(a.keyId), a.member);
      if (a.reservation) add(RT_KEYS.keyReservations(a.keyId), a.reservation);
    }
    // Slices: their free slots (the others are renewed with their requests) and budget members.
    if (this.book) {
      for (const l of this.book.held) {
        for (const slot of l.slots) add(RT_KEYS.keyConcurrency(l.key.id), slot);
        if (l.budgetMember) add(RT_KEYS.keyReservations(l.key.id), l.budgetMember);
      }
    }
    for (const [zset, members] of byZset) {
      this.redis.gwRenew(zset, this.leaseMs, ...members).catch(() => this.stats.redisErrors++);
    }
  }
}
