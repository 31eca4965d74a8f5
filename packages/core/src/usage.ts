import { RT_KEYS } from './redis-keys.js';
import type { RedisClient } from './redis-connect.js';
import { windowTotals } from './rate-window.js';

/**
 * One usage event per request the gateway admitted, as written to `RT_KEYS.usageStream`
 * by the data plane and read back by `gwctl usage`. Field names are the stream's.
 */
export interface UsageEvent {
  /** Request id (x-request-id). */
  id: string;
  key_id: string;
  key_name: string;
  /** Public model name the client asked for. */
  model: string;
  /** Provider that answered ('' when none did). */
  provider: string;
  upstream_model: string;
  endpoint: string;
  prompt_tokens: number;
  completion_tokens: number;
  /** Part of prompt_tokens read from the provider's prompt cache. */
  cached_tokens: number;
  /** Tokens counted by the gateway because the upstream reported none. */
  estimated: boolean;
  cost_usd: number;
  latency_ms: number;
  /** ms from request start to the upstream's response headers (0 when none came). */
  ttfb_ms: number;
  status: number;
  attempts: number;
  stream: boolean;
  /** The client went away before the end. */
  aborted: boolean;
  /** Error code that ended the request ('' when none). */
  error: string;
  /** Epoch ms when the request ended. */
  ts: number;
  /** Part of prompt_tokens written to the provider's prompt cache (Anthropic), of any TTL. */
  cache_write_tokens: number;
  /** Part of cache_write_tokens written with a 1-hour TTL. */
  cache_write_1h_tokens: number;
  /** What was used: `llm` (a model request, the default) or `mcp` (a tool call: `provider` is the MCP server, `model` the exposed tool name, `upstream_model` the upstream's). */
  kind?: 'llm' | 'mcp';
  /** Bytes of the answer (MCP tool calls). */
  bytes?: number;
}

const NUMERIC = ['prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_usd', 'latency_ms', 'ttfb_ms', 'status', 'attempts', 'ts', 'cache_write_tokens', 'cache_write_1h_tokens'] as const;
const FLAGS = ['estimated', 'stream', 'aborted'] as const;

/** Flat `field, value, …` list for XADD: the oldest entries' form, still read (usageEntryEvents). */
export function encodeUsageEvent(e: UsageEvent): string[] {
  return [
    'id', e.id, 'key_id', e.key_id, 'key_name', e.key_name, 'model', e.model, 'provider', e.provider,
    'upstream_model', e.upstream_model, 'endpoint', e.endpoint,
    'prompt_tokens', String(e.prompt_tokens), 'completion_tokens', String(e.completion_tokens), 'cached_tokens', String(e.cached_tokens),
    'estimated', e.estimated ? '1' : '0', 'cost_usd', String(e.cost_usd), 'latency_ms', String(e.latency_ms), 'ttfb_ms', String(e.ttfb_ms),
    'status', String(e.status), 'attempts', String(e.attempts), 'stream', e.stream ? '1' : '0', 'aborted', e.aborted ? '1' : '0',
    'error', e.error, 'ts', String(e.ts), 'cache_write_tokens', String(e.cache_write_tokens), 'cache_write_1h_tokens', String(e.cache_write_1h_tokens),
    ...(e.kind === 'mcp' ? ['kind', 'mcp', 'bytes', String(e.bytes ?? 0)] : []),
  ];
}

// A character JSON must escape, or a lone surrogate (which JSON.stringify escapes too).
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const str = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
// JSON has no NaN or Infinity: JSON.stringify writes null.
const num = (n: number): number | string => (Number.isFinite(n) ? n : 'null');

/**
 * The event as the gateway writes it: one stream field `e` holding the event as JSON (one
 * argument instead of forty keeps the write cheap on the hot path). The text `JSON.stringify`
 * gives for an event built in the interface's field order, written field by field: about 4×
 * cheaper per request.
 */
export function usageEventJson(e: UsageEvent): string {
  return (
    `{"id":${str(e.id)},"key_id":${str(e.key_id)},"key_name":${str(e.key_name)},"model":${str(e.model)},"provider":${str(e.provider)},` +
    `"upstream_model":${str(e.upstream_model)},"endpoint":${str(e.endpoint)},"prompt_tokens":${num(e.prompt_tokens)},` +
    `"completion_tokens":${num(e.completion_tokens)},"cached_tokens":${num(e.cached_tokens)},"estimated":${e.estimated},` +
    `"cost_usd":${num(e.cost_usd)},"latency_ms":${num(e.latency_ms)},"ttfb_ms":${num(e.ttfb_ms)},"status":${num(e.status)},` +
    `"attempts":${num(e.attempts)},"stream":${e.stream},"aborted":${e.aborted},"error":${str(e.error)},"ts":${num(e.ts)},` +
    `"cache_write_tokens":${num(e.cache_write_tokens)},"cache_write_1h_tokens":${num(e.cache_write_1h_tokens)}` +
    (e.kind === 'mcp' ? `,"kind":"mcp","bytes":${num(e.bytes ?? 0)}}` : '}')
  );
}

/**
 * A batch of events as one stream entry's field `b`: a JSON array of usageEventJson texts. The
 * gateway writes each batch of requests as one entry: one XADD of one argument per batch costs
 * Redis (which every pod shares) about a third of an XADD per event (docs/performance.md).
 */
export function usageBatchJson(events: string[]): string {
  return `[${events.join(',')}]`;
}

/**
 * The event with exactly the interface's fields, in its order: `JSON.stringify` of it is
 * usageEventJson's text (whatever else the object carries, and in whatever order it got them).
 */
function canonicalEvent(e: UsageEvent): UsageEvent {
  const c: UsageEvent = {
    id: e.id, key_id: e.key_id, key_name: e.key_name, model: e.model, provider: e.provider, upstream_model: e.upstream_model,
    endpoint: e.endpoint, prompt_tokens: e.prompt_tokens, completion_tokens: e.completion_tokens, cached_tokens: e.cached_tokens,
    estimated: e.estimated, cost_usd: e.cost_usd, latency_ms: e.latency_ms, ttfb_ms: e.ttfb_ms, status: e.status, attempts: e.attempts,
    stream: e.stream, aborted: e.aborted, error: e.error, ts: e.ts, cache_write_tokens: e.cache_write_tokens, cache_write_1h_tokens: e.cache_write_1h_tokens,
  };
  if (e.kind === 'mcp') {
    c.kind = 'mcp';
    c.bytes = e.bytes ?? 0;
  }
  return c;
}

/**
 * The columns of a compact entry (field `c`), in order: the event's fields, then the two an MCP
 * tool call adds. An entry's first element names its columns, so a reader maps values by name
 * and columns can be added later (readers ignore ones they do not know; missing ones default).
 */
export const USAGE_COLUMNS = [
  'id', 'key_id', 'key_name', 'model', 'provider', 'upstream_model', 'endpoint', 'prompt_tokens', 'completion_tokens', 'cached_tokens',
  'estimated', 'cost_usd', 'latency_ms', 'ttfb_ms', 'status', 'attempts', 'stream', 'aborted', 'error', 'ts', 'cache_write_tokens',
  'cache_write_1h_tokens', 'kind', 'bytes',
] as const;

/** The first element of a compact entry: its columns. */
export const USAGE_COLUMNS_JSON = JSON.stringify(USAGE_COLUMNS);

/**
 * One event as a row of a compact entry: its values in USAGE_COLUMNS order, flags as 0/1, the
 * MCP columns only for a tool call. ≈ 200 bytes where the event as an object takes ≈ 470 (the
 * field names are written once per entry instead of once per event): what Redis stores and
 * what the gateway writes to it, both per request, and half the time to serialise.
 */
export function usageEventRow(e: UsageEvent): string {
  const row: unknown[] = [
    e.id, e.key_id, e.key_name, e.model, e.provider, e.upstream_model, e.endpoint, e.prompt_tokens, e.completion_tokens, e.cached_tokens,
    e.estimated ? 1 : 0, e.cost_usd, e.latency_ms, e.ttfb_ms, e.status, e.attempts, e.stream ? 1 : 0, e.aborted ? 1 : 0, e.error, e.ts,
    e.cache_write_tokens, e.cache_write_1h_tokens,
  ];
  if (e.kind === 'mcp') row.push('mcp', e.bytes ?? 0);
  return JSON.stringify(row);
}

/** A compact entry's text from its rows (usageEventRow): what the gateway writes as field `c`. */
export function usageRowsJson(rows: readonly string[]): string {
  return `[${[USAGE_COLUMNS_JSON, ...rows].join(',')}]`;
}

/**
 * One event's text in a batch: the same text as usageEventJson's, made by one `JSON.stringify`
 * (a flat string; usageEventJson's template is a tree of concatenations until it is flattened).
 */
export function usageEventText(e: UsageEvent): string {
  return JSON.stringify(canonicalEvent(e));
}

/**
 * A cost in whole nano-USD, as the spend counters, the usage rollups and the console count it
 * (the scripts round the same way: floor(usd × 1e9 + 0.5)); not a finite number counts 0.
 */
export function nanoUsd(usd: number): number {
  return Number.isFinite(usd) ? Math.floor(usd * 1e9 + 0.5) : 0;
}

/** An event from its fields, as JSON values (`b`, `e`) or as flat strings (the oldest entries). */
function eventOf(m: Record<string, unknown>): UsageEvent {
  const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
  const e = {
    id: text(m.id), key_id: text(m.key_id), key_name: text(m.key_name), model: text(m.model), provider: text(m.provider),
    upstream_model: text(m.upstream_model), endpoint: text(m.endpoint), error: text(m.error),
  } as UsageEvent;
  for (const f of NUMERIC) e[f] = Number(m[f] ?? 0) || 0;
  for (const f of FLAGS) e[f] = m[f] === true || m[f] === 1 || m[f] === '1';
  if (m.kind === 'mcp') {
    e.kind = 'mcp';
    e.bytes = Number(m.bytes ?? 0) || 0;
  }
  return e;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The events of a compact entry's text: its first element names the columns, each other is a row. */
function compactEvents(text: string): UsageEvent[] {
  try {
    const list = JSON.parse(text) as unknown;
    if (Array.isArray(list) && Array.isArray(list[0])) {
      const columns = list[0] as unknown[];
      return list.slice(1).map((row) => {
        const m: Record<string, unknown> = {};
        if (Array.isArray(row)) for (let i = 0; i < columns.length && i < row.length; i++) if (typeof columns[i] === 'string') m[columns[i] as string] = row[i];
        return eventOf(m);
      });
    }
  } catch {
    /* below */
  }
  return [eventOf({})];
}

/**
 * The events of one stream entry, in the order they were written: a compact batch (`c`: its
 * columns, then a row of values per event), a batch of objects (`b`, a JSON array: resent
 * records, and gateways before compact entries), or one event (`e` JSON, or flat fields:
 * entries written before batches). Unknown fields are ignored, missing ones default; a damaged
 * entry decodes to one event of defaults.
 */
export function usageEntryEvents(fields: string[]): UsageEvent[] {
  const m: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) m[fields[i]!] = fields[i + 1]!;
  if (typeof m.c === 'string') return compactEvents(m.c);
  if (typeof m.b === 'string') {
    try {
      const list = JSON.parse(m.b) as unknown;
      if (Array.isArray(list)) return list.map((j) => eventOf(isObject(j) ? j : {}));
    } catch {
      /* below */
    }
    return [eventOf({})];
  }
  if (typeof m.e === 'string') {
    try {
      const j = JSON.parse(m.e) as unknown;
      return [eventOf(isObject(j) ? j : {})];
    } catch {
      return [eventOf({})];
    }
  }
  return [eventOf(m)];
}

/** `YYYY-MM-DD` of a date in UTC (budgets and spend counters use UTC days). */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** `YYYY-MM` of a date in UTC. */
export function utcMonth(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/**
 * What one key spent and used in one period, from its spend counter hash.
 * @public Nobody imports it by name, but it must be exported: `KeySpend` holds it, and
 * gwctl's declarations name it where they return a key's spend.
 */
export interface SpendTotals {
  cost_usd: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
}

/** Field names of the spend counter hashes (`RT_KEYS.keySpendDay` / `keySpendMonth`). */
const SPEND_FIELDS = { cost: 'cost', costNusd: 'cost_nusd', requests: 'requests', prompt: 'prompt_tokens', completion: 'completion_tokens', cached: 'cached_tokens' } as const;

function toTotals(h: Record<string, string>): SpendTotals {
  const n = (v?: string) => Number(v ?? 0) || 0;
  return {
    // Integer nano-USD; hashes written before it hold a USD `cost` instead (both are summed).
    cost_usd: (nanoUsd(n(h[SPEND_FIELDS.cost])) + n(h[SPEND_FIELDS.costNusd])) / 1e9,
    requests: n(h[SPEND_FIELDS.requests]),
    prompt_tokens: n(h[SPEND_FIELDS.prompt]),
    completion_tokens: n(h[SPEND_FIELDS.completion]),
    cached_tokens: n(h[SPEND_FIELDS.cached]),
  };
}

/** Live governance state of one key: spend today and this month, and its rate windows. */
export interface KeySpend {
  day: string;
  month: string;
  today: SpendTotals;
  thisMonth: SpendTotals;
  /** Requests admitted in the last `windowMs`, tokens counted in that window, leases held. */
  requestsInWindow: number;
  tokensInWindow: number;
  inFlight: number;
  /** USD reserved against the budgets by requests in flight (replaced by their spend when they end). */
  reservedUsd: number;
}

/** Read a key's spend counters and rate windows (for `gwctl key show`); one pipeline. */
export async function readKeySpend(redis: RedisClient, keyId: string, now: Date): Promise<KeySpend> {
  const day = utcDay(now);
  const month = utcMonth(now);
  const t = now.getTime();
  const [d, m, win, conc, held] = await Promise.all([
    redis.hgetall(RT_KEYS.keySpendDay(keyId, day)),
    redis.hgetall(RT_KEYS.keySpendMonth(keyId, month)),
    redis.hgetall(RT_KEYS.keyWindow(keyId)),
    redis.zcount(RT_KEYS.keyConcurrency(keyId), `(${t}`, '+inf'),
    // Live reservations only (a dead pod's expired ones are taken off the sum by the next admission).
    redis.zrangebyscore(RT_KEYS.keyReservations(keyId), `(${t}`, '+inf'),
  ]);
  let reservedNano = 0;
  for (const r of held) reservedNano += Number(r.slice(r.lastIndexOf('|') + 1)) || 0;
  // Summed from the buckets, not the stored totals: those are brought up to date only by the next admission.
  const w = windowTotals(win, t);
  return { day, month, today: toTotals(d), thisMonth: toTotals(m), requestsInWindow: w.requests, tokensInWindow: w.tokens, inFlight: conc, reservedUsd: reservedNano / 1e9 };
}
