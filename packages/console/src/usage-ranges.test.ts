import { describe, expect, it } from 'vitest';
import { DAY_MS as D, HOUR_MS as H, segments } from './usage-ranges.js';

const M = 60_000;
// 2030-03-10 00:00 UTC.
const DAY0 = Date.UTC(2030, 2, 10);
const show = (from: number, to: number, days: boolean, hoursSince?: number) => segments(from, to, days, hoursSince).map((s) => [s.src, (s.from - DAY0) / M, (s.to - DAY0) / M]);

describe('segments', () => {
  it('whole hours from the rollups, the sub-hour edges from the stream, whole days as days when asked', () => {
    const from = DAY0 - 2 * H - 20 * M;
    const to = DAY0 + D + 3 * H + 10 * M;
    expect(show(from, to, false)).toEqual([['stream', -140, -120], ['hour', -120, 1620], ['stream', 1620, 1630]]);
    expect(show(from, to, true)).toEqual([['stream', -140, -120], ['hour', -120, 0], ['day', 0, 1440], ['hour', 1440, 1620], ['stream', 1620, 1630]]);
  });

  it('aligned ranges have no stream part; a range inside one hour is all stream', () => {
    expect(show(DAY0, DAY0 + 2 * D, true)).toEqual([['day', 0, 2880]]);
    expect(show(DAY0 + 5 * H, DAY0 + 7 * H, true)).toEqual([['hour', 300, 420]]);
    expect(show(DAY0 + 10 * M, DAY0 + 50 * M, true)).toEqual([['stream', 10, 50]]);
    // No whole hour inside: 00:10 → 01:10 is one scan of the stream.
    expect(show(DAY0 + 10 * M, DAY0 + 70 * M, true)).toEqual([['stream', 10, 70]]);
  });

  it('a partial day older than the hour buckets is counted as its whole day', () => {
    const from = DAY0 + 5 * H + 20 * M;
    const to = DAY0 + 3 * D + 2 * H;
    expect(show(from, to, true, DAY0 + 2 * D)).toEqual([['day', 0, 1440], ['day', 1440, 4320], ['hour', 4320, 4440]]);
    expect(show(from, to, true, DAY0 + 4 * D)).toEqual([['day', 0, 1440], ['day', 1440, 4320], ['day', 4320, 5760]]);
  });
});
