import { UserError } from '../../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `24h`, `7d`, `90m`, `2w` (that long before now) or an ISO date/time → epoch ms. */
export function parseTimeRef(value: string, now: Date, flag: string): number {
  const v = value.trim();
  const d = /^(\d+)\s*([smhdw])$/i.exec(v);
  if (d) return now.getTime() - Number(d[1]) * UNIT_MS[d[2]!.toLowerCase()]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new UserError(`${flag} "${value}" is neither an ISO date (2026-01-31, 2026-01-31T12:00Z) nor a duration ago (24h, 7d, 90m)`);
}
