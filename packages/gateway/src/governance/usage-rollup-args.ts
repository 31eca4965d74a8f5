import { ROLLUP_DIMENSIONS, ROLLUP_METRICS, rollupBlockKeys, rollupBucket, type UsageEvent } from '@llmgw/core';

/** Hashes per rollup bucket in XADD_ONCE_LUA's KEYS (its BLOCK): `total`, then each dimension's metrics. */
const ROLLUP_BLOCK = 1 + ROLLUP_DIMENSIONS.length * ROLLUP_METRICS.length;
if (ROLLUP_BLOCK !== 28 || ROLLUP_METRICS.length !== 9) throw new Error('XADD_ONCE_LUA expects 28 rollup hashes per bucket, 9 metrics');

/** How long rollup buckets are kept after they end. */
export interface RollupTtls {
  hourS: number;
  dayS: number;
}

/** A number as the script rounds it (JSON has no NaN or Infinity: those are written null, read 0). */
const whole = (v: number): number => (Number.isFinite(v) ? Math.floor(v + 0.5) : 0);

/** One event's counters in ROLLUP_METRICS order, exactly as XADD_ONCE_LUA's `roll` computes them. */
function countersOf(e: UsageEvent): number[] {
  return [
    1,
    whole(e.status) >= 400 || e.aborted ? 1 : 0,
    whole(e.prompt_tokens),
    whole(e.completion_tokens),
    whole(e.cached_tokens),
    Number.isFinite(e.cost_usd) ? Math.floor(e.cost_usd * 1e9 + 0.5) : 0,
    e.estimated ? 1 : 0,
    whole(e.latency_ms),
    whole(e.cache_write_tokens),
  ];
}

/**
 * The rollup part of an XADD_ONCE_LUA call for `events`: the hashes of every hour and day they
 * fall in (KEYS after the stream, the mark and the index list), the ARGV that follows the bound and the
 * mark's ttl (ttls, bucket counts, the buckets), and, for the aggregate form, the batch's sums
 * as `KEYS index, field, increment` triples: the pod adds them up, so Redis (shared by every
 * pod) does not decode and sum events on a first send, only on a resend.
 */
export function rollupArgs(all: UsageEvent[], ttl: RollupTtls, aggregate: boolean): { keys: string[]; argv: number[]; sums: Array<string | number> } {
  // MCP tool calls are not model requests: they stay out of the rollups (the script's `roll` skips them too).
  const events = all.filter((e) => e.kind !== 'mcp');
  const hours = new Map<number, number>();
  const days = new Map<number, number>();
  for (const e of events) {
    if (!Number.isFinite(e.ts)) continue;
    if (!hours.has(rollupBucket('h', e.ts))) hours.set(rollupBucket('h', e.ts), hours.size);
    if (!days.has(rollupBucket('d', e.ts))) days.set(rollupBucket('d', e.ts), days.size);
  }
  const keys = [...[...hours.keys()].flatMap((h) => rollupBlockKeys('h', h)), ...[...days.keys()].flatMap((d) => rollupBlockKeys('d', d))];
  const argv = [ttl.hourS, ttl.dayS, hours.size, days.size, ...hours.keys(), ...days.keys()];
  const sums: Array<string | number> = [];
  if (!aggregate) return { keys, argv, sums };
  // KEYS index (1-based, after the stream, the mark and the index list) → field → increment.
  const acc = new Map<number, Map<string, number>>();
  const bump = (k: number, field: string, n: number) => {
    if (n === 0) return;
    let m = acc.get(k);
    if (!m) acc.set(k, (m = new Map()));
    m.set(field, (m.get(field) ?? 0) + n);
  };
  const NM = ROLLUP_METRICS.length;
  for (const e of events) {
    if (!Number.isFinite(e.ts)) continue;
    const v = countersOf(e);
    const groups = [e.key_id, e.model, e.provider];
    for (const b of [4 + hours.get(rollupBucket('h', e.ts))! * ROLLUP_BLOCK, 4 + (hours.size + days.get(rollupBucket('d', e.ts))!) * ROLLUP_BLOCK]) {
      for (let m = 0; m < NM; m++) bump(b, ROLLUP_METRICS[m]!, v[m]!);
      for (let d = 0; d < groups.length; d++) for (let m = 0; m < NM; m++) bump(b + d * NM + m + 1, groups[d]!, v[m]!);
    }
  }
  for (const [k, m] of acc) for (const [field, n] of m) sums.push(k, field, n);
  return { keys, argv, sums };
}
