import { describe, expect, it } from 'vitest';
import { rateBucketMs, RATE_WINDOW_MS, windowTotals } from './rate-window.js';

describe('rate window', () => {
  it('a bucket is 1/60 of the window', () => {
    expect(rateBucketMs(RATE_WINDOW_MS)).toBe(1_000);
    expect(rateBucketMs(30)).toBe(1);
  });

  it('sums the buckets still inside the window, not the stored totals', () => {
    const now = 1_000_000_500; // inside bucket 1,000,000
    const h = {
      // Left the window: bucket 999,939 ended at 999,940,000 + 60 s = 1,000,000,000 ≤ now.
      r999939: '4',
      t999939: '400',
      // Still in it: bucket 999,940 leaves at 1,000,001,000.
      r999940: '2',
      t999940: '20',
      r1000000: '1',
      t1000000: '5',
      _r: '7',
      _t: '425',
      _o: '999939',
    };
    expect(windowTotals(h, now)).toEqual({ requests: 3, tokens: 25 });
    expect(windowTotals({}, now)).toEqual({ requests: 0, tokens: 0 });
  });
});
