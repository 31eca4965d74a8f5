import { nanoUsd, ROLLUP_DIMENSIONS, ROLLUP_METRICS, rollupBlockKeys, rollupBucket, type UsageEvent } from '@llmgw/core';

/** Hashes per rollup bucket in XADD_ONCE_LUA's KEYS (its BLOCK): `total`, then each dimension's metrics. */
const ROLLUP_BLOCK = 1 + ROLLUP_DIMENSIONS.length * ROLLUP_METRICS.length;
if (ROLLUP_BLOCK !== 28 || ROLLUP_METRICS.length !== 9) throw new Error('XADD_ONCE_LUA expects 28 rollup hashes per bucket, 9 metrics');

/** How long rollup buckets are kept after they end. */
export interface RollupTtls {
  hourS: number;
  dayS: number;
}

/** What the rollups read of an event (a queued record has these fields under the same names). */
export type RollupFacts = Pick<
  UsageEvent,
  'key_id' | 'model' | 'provider' | 'kind' | 'ts' | 'status' | 'aborted' | 'estimated' | 'prompt_tokens' | 'completion_tokens' | 'cached_tokens' | 'cost_usd' | 'latency_ms' | 'cache_write_tokens'
>;

/** A number as the script rounds it (JSON has no NaN or Infinity: those are written null, read 0). */
const whole = (v: number): number => (Number.isFinite(v) ? Math.floor(v + 0.5) : 0);

/** One event's counters in ROLLUP_METRICS order, exactly as XADD_ONCE_LUA's `roll` computes them. */
function countersOf(e: RollupFacts): number[] {
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

/** The hashes of recent buckets (a bucket's 28 names are the same for its whole hour or day). */
const blockKeys = new Map<string, string[]>();
function cachedBlockKeys(g: 'h' | 'd', bucket: number): string[] {
  const id = `${g}${bucket}`;
  let keys = blockKeys.get(id);
  if (keys === undefined) {
    if (blockKeys.size >= 16) blockKeys.clear();
    blockKeys.set(id, (keys = rollupBlockKeys(g, bucket)));
  }
  return keys;
}

/** One hour's sums: its day's position, the total, and per dimension each name's counters. */
interface HourSums {
  day: number;
  total: number[];
  groups: [Map<string, number[]>, Map<string, number[]>, Map<string, number[]>];
}

/**
 * The rollup part of an XADD_ONCE_LUA call for `events`: the hashes of every hour and day they
 * fall in (KEYS after the stream, the mark and the index list), the ARGV that follows the bound and the
 * mark's ttl (ttls, bucket counts, the buckets), and, for the aggregate form, the batch's sums
 * per hour: the pod adds them up, so Redis (shared by every pod) does not decode and sum events
 * on a first send, only on a resend. Per hour, in the order of the buckets: its position among
 * the hours, its day's among the days, the ROLLUP_METRICS counters of the total, then for each
 * of ROLLUP_DIMENSIONS the number of its names and each name followed by its counters. The
 * script adds each to the hour's hashes and to its day's: about 44 arguments for a batch of one
 * key, model and provider, where one (hash, field, increment) triple per counter took ~120.
 */
export function rollupArgs(events: readonly RollupFacts[], ttl: RollupTtls, aggregate: boolean): { keys: string[]; argv: number[]; sums: Array<string | number> } {
  // One pass: the batch summed per hour, key, model and provider (a batch holds few of them; its
  // day is its hour's), the buckets numbered as they first appear.
  const NM = ROLLUP_METRICS.length;
  type Tuple = { hour: number; names: [string, string, string]; v: number[] };
  const tuples = new Map<string, Tuple>();
  const hours = new Map<number, HourSums>();
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
        if (!hours.has(hour)) {
          const day = rollupBucket('d', e.ts);
          if (!days.has(day)) days.set(day, days.size);
          hours.set(hour, { day: days.get(day)!, total: new Array<number>(NM).fill(0), groups: [new Map(), new Map(), new Map()] });
        }
        tuples.set(id, (t = { hour, names: [e.key_id, e.model, e.provider], v: new Array<number>(NM).fill(0) }));
      }
      last = t;
    }
    if (!aggregate) continue;
    const v = countersOf(e);
    for (let m = 0; m < NM; m++) t.v[m]! += v[m]!;
  }
  const keys: string[] = [];
  for (const h of hours.keys()) keys.push(...cachedBlockKeys('h', h));
  for (const d of days.keys()) keys.push(...cachedBlockKeys('d', d));
  const argv = [ttl.hourS, ttl.dayS, hours.size, days.size, ...hours.keys(), ...days.keys()];
  const sums: Array<string | number> = [];
  if (!aggregate) return { keys, argv, sums };
  // Each tuple into its hour: the total and one group per dimension (merged where names repeat).
  for (const { hour, names, v } of tuples.values()) {
    const h = hours.get(hour)!;
    for (let m = 0; m < NM; m++) h.total[m]! += v[m]!;
    for (let d = 0; d < names.length; d++) {
      const group = h.groups[d]!;
      const c = group.get(names[d]!);
      if (c === undefined) group.set(names[d]!, v.slice());
      else for (let m = 0; m < NM; m++) c[m]! += v[m]!;
    }
  }
  let position = 0;
  for (const h of hours.values()) {
    sums.push(position++, h.day, ...h.total);
    for (const group of h.groups) {
      sums.push(group.size);
      for (const [name, c] of group) sums.push(name, ...c);
    }
  }
  return { keys, argv, sums };
}
