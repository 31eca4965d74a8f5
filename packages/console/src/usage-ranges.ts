/** A part of a usage range and what answers it: hour or day rollup buckets, or the usage stream. */
export interface Segment {
  from: number;
  to: number;
  src: 'hour' | 'day' | 'stream';
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * How far back the console counts on hour buckets: the gateway keeps them
 * GW_USAGE_ROLLUP_HOUR_TTL_DAYS (8 by default) after their hour; day buckets 400 days.
 */
export const HOUR_BUCKETS_KEPT_MS = 7 * DAY_MS;

/**
 * The range [from, to) cut into what the rollups answer — whole hours, and whole UTC days when
 * `days` (fewer hashes to read; not for an hourly series) — and the sub-hour edges before the
 * first and after the last whole hour, which only the stream can answer. A range inside one
 * hour is all stream. With `days`, a partial day at either end older than `hoursSince` (where
 * hour buckets may be gone) is counted as its whole day.
 */
export function segments(from: number, to: number, days: boolean, hoursSince = -Infinity): Segment[] {
  const h0 = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const h1 = Math.floor(to / HOUR_MS) * HOUR_MS;
  if (h0 >= h1) return [{ from, to, src: 'stream' }];
  const out: Segment[] = [];
  const push = (a: number, b: number, src: Segment['src']) => {
    if (a < b) out.push({ from: a, to: b, src });
  };
  const d0 = Math.ceil(h0 / DAY_MS) * DAY_MS;
  const d1 = Math.floor(h1 / DAY_MS) * DAY_MS;
  if (!days || d0 >= d1) {
    push(from, h0, 'stream');
    push(h0, h1, 'hour');
    push(h1, to, 'stream');
    return out;
  }
  if (d0 <= hoursSince) {
    push(Math.floor(from / DAY_MS) * DAY_MS, d0, 'day');
  } else {
    push(from, h0, 'stream');
    push(h0, d0, 'hour');
  }
  push(d0, d1, 'day');
  if (to <= hoursSince) {
    push(d1, Math.ceil(to / DAY_MS) * DAY_MS, 'day');
  } else {
    push(d1, h1, 'hour');
    push(h1, to, 'stream');
  }
  return out;
}
