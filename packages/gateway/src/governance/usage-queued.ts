import { USAGE_COLUMNS_JSON, usageEntryEvents, type UsageEvent } from '@llmgw/core';
import type { RollupFacts } from './usage-rollup-args.js';
import type { UsageRows } from './usage-rows.js';
import type { SpendRecord } from './usage-spend-calls.js';

// What the usage recorder (usage-recorder.ts) keeps per queued request: one object with what
// its writes read, and its row in UsageRows outside the heap.

/** One request's accounting: its event, and the key's spend counters it adds to. */
export interface UsageRecord {
  event: UsageEvent;
  day: string;
  month: string;
  /** Add to the key's spend counters (false: a refused request, in the stream only). Default true. */
  spend?: boolean;
  /** The budget reservation the spend replaces (`<member>|<micro-USD>`), released with it. */
  reservation?: string;
}

/**
 * A record in the queue: what its writes need of the event (the spend counters' and the
 * rollups' numbers, by the event's field names) and where its row is (UsageRows), not the
 * event itself: what stays on the heap per queued request is this one object.
 */
export class Queued implements SpendRecord, RollupFacts {
  /** Set once the spend counters / the stream took it, so a retry after a partial failure does not write it twice. */
  accounted = false;
  streamed = false;
  /** Writes of this record sent so far. */
  sends = 0;
  readonly key_id: string;
  readonly model: string;
  readonly provider: string;
  readonly kind: UsageEvent['kind'];
  readonly ts: number;
  readonly status: number;
  readonly aborted: boolean;
  readonly estimated: boolean;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly cached_tokens: number;
  readonly cost_usd: number;
  readonly latency_ms: number;
  readonly cache_write_tokens: number;
  readonly day: string;
  readonly month: string;
  readonly spend: boolean;
  readonly reservation: string | undefined;

  constructor(
    r: UsageRecord,
    /** This pod's sequence number of the record: what makes a retried write apply once. */
    readonly seq: number,
    /** Its row in UsageRows, with its comma (moved when the rows are compacted). */
    public rowStart: number,
    public rowEnd: number,
  ) {
    const e = r.event;
    this.key_id = e.key_id;
    this.model = e.model;
    this.provider = e.provider;
    this.kind = e.kind;
    this.ts = e.ts;
    this.status = e.status;
    this.aborted = e.aborted;
    this.estimated = e.estimated;
    this.prompt_tokens = e.prompt_tokens;
    this.completion_tokens = e.completion_tokens;
    this.cached_tokens = e.cached_tokens;
    this.cost_usd = e.cost_usd;
    this.latency_ms = e.latency_ms;
    this.cache_write_tokens = e.cache_write_tokens;
    this.day = r.day;
    this.month = r.month;
    this.spend = r.spend ?? true;
    this.reservation = r.reservation;
  }
}

/** A queued record's event, read back from its row (a resend, a log line: rare). */
export function queuedEvent(rows: UsageRows, r: Queued): UsageEvent {
  return usageEntryEvents(['c', `[${USAGE_COLUMNS_JSON},${rows.rowText(r.rowStart, r.rowEnd)}]`])[0]!;
}

/**
 * The rows of written records are free: all of them once nothing is queued (`queue`, in the
 * order the rows were appended), else the space before the oldest once it is the larger part.
 */
export function freeRows(rows: UsageRows, queue: readonly Queued[]): void {
  if (queue.length === 0) return rows.clear();
  const first = queue[0]!.rowStart;
  if (first < rows.used - first) return;
  const moved = rows.compact(first);
  for (const r of queue) {
    r.rowStart -= moved;
    r.rowEnd -= moved;
  }
}
