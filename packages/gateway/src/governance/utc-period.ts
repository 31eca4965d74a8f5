import { utcDay, utcMonth } from '@llmgw/core';

export interface UtcPeriod {
  /** `YYYY-MM-DD` */
  day: string;
  /** `YYYY-MM` */
  month: string;
}

let cached = { period: { day: '', month: '' }, from: 0, until: 0 };

/** The UTC day and month of `nowMs`, formatted once per day rather than once per request. */
export function utcPeriod(nowMs = Date.now()): UtcPeriod {
  if (nowMs < cached.from || nowMs >= cached.until) {
    const d = new Date(nowMs);
    const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    cached = { period: { day: utcDay(d), month: utcMonth(d) }, from, until: from + 86_400_000 };
  }
  return cached.period;
}
