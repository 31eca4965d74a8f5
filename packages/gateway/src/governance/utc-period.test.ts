import { describe, expect, it } from 'vitest';
import { utcPeriod } from './utc-period.js';

describe('utcPeriod', () => {
  it('follows UTC days and months, across a midnight and back', () => {
    const before = Date.UTC(2026, 0, 31, 23, 59, 59, 999);
    expect(utcPeriod(before)).toEqual({ day: '2026-01-31', month: '2026-01' });
    expect(utcPeriod(before + 1)).toEqual({ day: '2026-02-01', month: '2026-02' });
    expect(utcPeriod(before)).toEqual({ day: '2026-01-31', month: '2026-01' });
  });
});
