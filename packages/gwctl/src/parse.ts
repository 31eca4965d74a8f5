import { InvalidArgumentError } from 'commander';
import { AUTH_TYPES, ROUTING_POLICIES, type AuthType, type RoutingPolicy } from '@llmgw/core';
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

/**
 * Other gateways' names of our routing policies (one-api-nginx's `rr`, nginx's `least_conn`,
 * LiteLLM's `simple-shuffle`…), compared without case, `-` or `_`. Ours stay the ones shown.
 */
const POLICY_SPELLINGS: Record<string, RoutingPolicy> = {
  rr: 'round-robin',
  roundrobin: 'round-robin',
  wrr: 'weighted',
  weight: 'weighted',
  weightedroundrobin: 'weighted',
  weightedrr: 'weighted',
  random: 'weighted',
  shuffle: 'weighted',
  simpleshuffle: 'weighted',
  failover: 'priority',
  fallback: 'priority',
  ordered: 'priority',
  leastbusy: 'least-busy',
  leastconn: 'least-busy',
  leastconnections: 'least-busy',
  leastrequests: 'least-busy',
  fastest: 'latency',
  lowestlatency: 'latency',
  latencybased: 'latency',
};

/** A routing policy: ours (`round-robin`, …) or another gateway's name of one (`rr`, `failover`, …). */
export function parsePolicy(value: string): RoutingPolicy {
  const v = value.trim().toLowerCase();
  if ((ROUTING_POLICIES as readonly string[]).includes(v)) return v as RoutingPolicy;
  const ours = POLICY_SPELLINGS[v.replace(/[-_\s]/g, '')] ?? (ROUTING_POLICIES as readonly string[]).find((p) => p.replace(/-/g, '') === v.replace(/[-_\s]/g, ''));
  if (ours) return ours as RoutingPolicy;
  throw new InvalidArgumentError(`use ${ROUTING_POLICIES.join(', ')} (also accepted: rr, wrr, failover, least_conn, …).`);
}

/** `--auth-type`: ours, or `header:NAME` for the shorthand that names the header (`x-api-key`). */
export type AuthTypeFlag = AuthType | `header:${string}`;

/**
 * How a secret is sent: ours without regard to case (`Bearer`), `authorization` for bearer,
 * `no`/`off` for none, and a header's own name (`x-api-key`, `api-key`) for a secret in it.
 */
export function parseAuthType(value: string): AuthTypeFlag {
  const v = value.trim().toLowerCase();
  if ((AUTH_TYPES as readonly string[]).includes(v)) return v as AuthType;
  if (v === 'authorization') return 'bearer';
  if (v === 'no' || v === 'off') return 'none';
  if (v === 'api-key' || v === 'x-api-key' || v === 'x-goog-api-key') return `header:${v}`;
  throw new InvalidArgumentError(`use ${AUTH_TYPES.join(', ')} (or a header name: api-key, x-api-key).`);
}
