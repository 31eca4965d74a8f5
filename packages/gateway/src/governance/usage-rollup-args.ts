import { nanoUsd, ROLLUP_DIMENSIONS, ROLLUP_METRICS, rollupBlockKeys, rollupBucket, type UsageEvent } from '@llmgw/core';

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
    nanoUsd(e.cost_usd),
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
export function rollupArgs(events: UsageEvent[], ttl: RollupTtls, aggregate: boolean): { keys: string[]; argv: number[]; sums: Array<string | number> } {
  // One pass: the batch summed per hour, key, model and provider (a batch holds few of them; its
  // day is its hour's), the buckets numbered as they first appear. The sums are then spread over
  // the hashes: a bump per hash and metric per group, not per event.
  const NM = ROLLUP_METRICS.length;
  type Tuple = { hour: number; day: number; names: [string, string, string]; v: number[] };
  const tuples = new Map<string, Tuple>();
  const hours = new Map<number, number>();
  const days = new Map<number, number>();
  let last: Tuple | undefined;
  for (const e of events) {
    // MCP tool calls are not model requests: they stay out of the rollups (the script's `roll` skips them too).
    if (e.kind === 'mcp' || !Number.isFinite(e.ts)) continue;
    const hour = rollupBucket('h', e.ts);
    let t = last;
    // Neighbours mostly share all four: the previous event's sum, without building its name.
    if (!t || t.hour !== hour || t.names[0] !== e.key_id || t.names[1] !== e.model || t.names[2] !== e.provider) {
      const id = JSON.stringify([hour, e.key_id, e.model, e.provider]);
      t = tuples.get(id);
      if (!t) {
        const day = rollupBucket('d', e.ts);
        if (!hours.has(hour)) hours.set(hour, hours.size);
        if (!days.has(day)) days.set(day, days.size);
        tuples.set(id, (t = { hour, day, names: [e.key_id, e.model, e.provider], v: new Array<number>(NM).fill(0) }));
      }
      last = t;
    }
    if (!aggregate) continue;
    const v = countersOf(e);
    for (let m = 0; m < NM; m++) t.v[m]! += v[m]!;
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
  for (const { hour, day, names, v } of tuples.values()) {
    for (const b of [4 + hours.get(hour)! * ROLLUP_BLOCK, 4 + (hours.size + days.get(day)!) * ROLLUP_BLOCK]) {
      for (let m = 0; m < NM; m++) bump(b, ROLLUP_METRICS[m]!, v[m]!);
      for (let d = 0; d < names.length; d++) for (let m = 0; m < NM; m++) bump(b + d * NM + m + 1, names[d]!, v[m]!);
    }
  }
  for (const [k, m] of acc) for (const [field, n] of m) sums.push(k, field, n);
  return { keys, argv, sums };
}
