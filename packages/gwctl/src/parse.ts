import { InvalidArgumentError } from 'commander';
import { UserError } from './errors.js';

// Option-value parsers for commander. A value of the wrong shape is a usage error (exit 2);
// a well-formed value the registry rejects is a user error (exit 1).

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('not an integer.');
  return Number(value);
}

export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
  return n;
}

/** Repeatable option: `--x a --x b` → ['a', 'b']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Comma-separated and repeatable: `--x a,b --x c` → ['a', 'b', 'c']. Empty items are dropped. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitList(value)];
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `'Name: value'` → [name, value]. */
export function parseHeader(value: string): [string, string] {
  const i = value.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError("use 'Name: value'.");
  return [value.slice(0, i).trim(), value.slice(i + 1).trim()];
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * An expiry given as an ISO-8601 date/time or a duration from now (`90m`, `12h`, `30d`, `2w`)
 * → ISO string. Must lie in the future.
 */
export function parseExpires(value: string, now: Date = new Date()): string {
  const v = value.trim();
  const d = /^(\d+)\s*([mhdw])$/i.exec(v);
  let at: Date;
  if (d) at = new Date(now.getTime() + Number(d[1]) * UNIT_MS[d[2]!.toLowerCase()]!);
  else if (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v))) at = new Date(v);
  else throw new UserError(`--expires "${value}" is neither an ISO date (2026-01-31) nor a duration (30d, 12h, 90m, 2w)`);
  if (at.getTime() <= now.getTime()) throw new UserError(`--expires ${value} is in the past`);
  return at.toISOString();
}
