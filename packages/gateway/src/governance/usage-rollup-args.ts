import { ROLLUP_DIMENSIONS, ROLLUP_METRICS, rollupBlockKeys, rollupBucket } from '@llmgw/core';

/** Hashes per rollup bucket in XADD_ONCE_LUA's KEYS (its BLOCK): `total`, then each dimension's metrics. */
const ROLLUP_BLOCK = 1 + ROLLUP_DIMENSIONS.length * ROLLUP_METRICS.length;
if (ROLLUP_BLOCK !== 25 || ROLLUP_METRICS.length !== 8) throw new Error('XADD_ONCE_LUA expects 25 rollup hashes per bucket, 8 metrics');

/** How long rollup buckets are kept after they end. */
export interface RollupTtls {
  hourS: number;
  dayS: number;
}

/**
 * The rollup part of an XADD_ONCE_LUA call for events ending at `times` (epoch ms): the hashes
 * of every hour and day they fall in (KEYS after the stream and the mark), and the ARGV that
 * follows the MAXLEN bound and the mark's ttl (ttls, bucket counts, the buckets).
 */
export function rollupArgs(times: number[], ttl: RollupTtls): { keys: string[]; argv: number[] } {
  const hours = new Set<number>();
  const days = new Set<number>();
  for (const ts of times) {
    if (!Number.isFinite(ts)) continue;
    hours.add(rollupBucket('h', ts));
    days.add(rollupBucket('d', ts));
  }
  const keys = [...[...hours].flatMap((h) => rollupBlockKeys('h', h)), ...[...days].flatMap((d) => rollupBlockKeys('d', d))];
  return { keys, argv: [ttl.hourS, ttl.dayS, hours.size, days.size, ...hours, ...days] };
}
