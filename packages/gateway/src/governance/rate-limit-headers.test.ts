import { describe, expect, it } from 'vitest';
import { formatResetDuration, retryAfterHeaders, setRateLimitHeaders } from './rate-limit-headers.js';

describe('rate-limit headers', () => {
  it('formats durations the way OpenAI does', () => {
    expect(formatResetDuration(17)).toBe('17ms');
    expect(formatResetDuration(1500)).toBe('1.5s');
    expect(formatResetDuration(60_000)).toBe('1m0s');
    expect(formatResetDuration(361_250)).toBe('6m1.25s');
    expect(formatResetDuration(-5)).toBe('0ms');
    expect(formatResetDuration(59_999.6)).toBe('1m0s');
  });
  it('writes seconds as toFixed(3) without trailing zeros would, for every ms up to an hour', () => {
    const reference = (v: number) => Number((v / 1000).toFixed(3));
    for (let v = 1000; v < 3_600_000; v++) {
      const m = Math.floor(v / 60_000);
      const want = v < 60_000 ? `${reference(v)}s` : `${m}m${reference(v - m * 60_000)}s`;
      if (formatResetDuration(v) !== want) expect(formatResetDuration(v)).toBe(want);
    }
  });
  it('sets only the windows the key has', () => {
    const h: Record<string, string> = {};
    setRateLimitHeaders(h, { limit: 10, remaining: -1, resetMs: 200 }, null);
    expect(h).toEqual({ 'x-ratelimit-limit-requests': '10', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '200ms' });
  });
  it('rounds Retry-After up to whole seconds', () => {
    expect(retryAfterHeaders(1001)).toEqual({ 'retry-after': '2', 'retry-after-ms': '1001' });
    expect(retryAfterHeaders(0)['retry-after']).toBe('1');
  });
});
