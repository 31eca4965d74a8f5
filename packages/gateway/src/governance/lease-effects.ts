import { RT_KEYS, type RedisClient } from '@llmgw/core';
import type { GatewayStats } from '../stats.js';
import type { GovernanceCommands } from './limit-scripts.js';
import type { LeaseEffects } from './leases.js';
import type { RedisTurn } from './redis-turn.js';

/** What a lease's end does in Redis (leases.ts decides when). */
export function leaseEffects(
  redis: RedisClient & GovernanceCommands,
  turn: RedisTurn,
  stats: GatewayStats,
  o: { windowMs: number; bucketMs: number; usageWritten?: (() => Promise<boolean>) | undefined },
): LeaseEffects {
  /**
   * What it did not spend goes back in the turn's write. Retried while Redis does not answer
   * (a failover, a stall): the script gives back once per lease, so a retry of one that ran
   * after all changes nothing, and a late one is safe (what it returns was never used).
   */
  function giveBack(keyId: string, leaseId: string, bucket: number, requests: number, tokens: number, slots: string[], tries = 5): void {
    const win = RT_KEYS.keyWindow(keyId);
    // Kept until the bucket has left the window: after that, a give-back would find nothing to take off.
    const markTtl = o.windowMs + 2 * o.bucketMs;
    turn.send(win, (p) => p.gwGiveBack(win, RT_KEYS.keyConcurrency(keyId), `${win}:gb:${leaseId}`, bucket, requests, tokens, markTtl, ...slots)).catch(() => {
      stats.redisErrors++;
      if (tries > 1) setTimeout(() => giveBack(keyId, leaseId, bucket, requests, tokens, slots, tries - 1), 1000).unref();
      // Else the counts age out of the window and the slots expire on their own.
    });
  }

  /**
   * Its budget reservation, freed once the spend of its requests is written (they were billed
   * before it closed): never a moment with neither counted. Without a recorder, at once.
   */
  function freeBudget(keyId: string, member: string): void {
    const written = o.usageWritten ? o.usageWritten() : Promise.resolve(true);
    void written.then((ok) => {
      if (!ok) return; // the reservation ends with its lease
      redis.gwUnreserve(RT_KEYS.keyReservations(keyId), RT_KEYS.keyReserved(keyId), member).catch(() => stats.redisErrors++);
    });
  }

  return { giveBack: (keyId, leaseId, bucket, requests, tokens, slots) => giveBack(keyId, leaseId, bucket, requests, tokens, slots), freeBudget };
}
