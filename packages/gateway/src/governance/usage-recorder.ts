import { RT_KEYS, USAGE_COLUMNS_JSON, usageEventText, type RedisClient } from '@llmgw/core';
import type { Logger } from '../logger.js';
import { EncodedScript } from './encoded-script.js';
import type { GatewayStats } from '../stats.js';
import type { GovernanceCommands } from './limit-scripts.js';
import type { RedisTurn } from './redis-turn.js';
import { freeRows, Queued, queuedEvent, type UsageRecord } from './usage-queued.js';
import { rollupArgs, type RollupTtls } from './usage-rollup-args.js';
import { UsageRows } from './usage-rows.js';
import { spendCalls } from './usage-spend-calls.js';
import { USAGE_MARK_TTL_MS, XADD_ONCE_LUA } from './usage-scripts.js';

export interface UsageRecorderOptions {
  /** This pod process's id, unique across pods and restarts: names its exactly-once marks. */
  pod: string;
  /** Most events kept in memory while Redis is unreachable. */
  bufferMax: number;
  /** Bound of the usage stream, in events (at least this many are kept: XADD_ONCE_LUA). */
  streamMaxLen: number;
  /** Pause between two flush attempts while Redis is unreachable. */
  retryMs: number;
  /** Events written per round trip. */
  batchSize?: number;
  /**
   * Longest wait before buffered records are written (0 = at the end of the event-loop turn
   * they were recorded in). Nothing waits for usage, and at low load a turn holds one request:
   * waiting a few ms writes many records in one call instead of two commands per request.
   */
  flushMs?: number;
  /** How long usage rollup buckets are kept after they end (default 8 days for hours, 400 for days); null: no rollups. */
  rollupTtl?: RollupTtls | null;
}

const ROLLUP_TTL: RollupTtls = { hourS: 8 * 86_400, dayS: 400 * 86_400 };
/** The script's arguments for no rollup buckets (GW_USAGE_ROLLUPS off). */
const NO_ROLLUPS = { keys: [], argv: [1, 1, 0, 0], sums: [] };

/**
 * Replies with which Redis refuses a command for now, not for good: a Cluster failing over
 * (CLUSTERDOWN while a failed master's slots have no owner yet, TRYAGAIN, MOVED or ASK while
 * slots move, READONLY from a demoted master), a node still loading its data (LOADING), a
 * replica cut off from its master (MASTERDOWN). ioredis retries a refused Cluster pipeline 16
 * times, 100 ms apart, and then hands the reply over: a failover that takes longer than that
 * must leave the record buffered, as a lost connection does, not drop it.
 */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK|LOADING|READONLY|MASTERDOWN)\b/;

/** Is `e` a reply that means "try again later" (see TRANSIENT_REPLY)? */
export function isTransientReply(e: Error): boolean {
  return e.name === 'ReplyError' && TRANSIENT_REPLY.test(e.message);
}

/**
 * Writes usage: spend counters (`gwAccount` on the key's tag) and the usage stream (one entry
 * per batch, bounded in events) with its hourly/daily rollups (docs/usage-rollups.md), batched over `flushMs` (or a full batch) and written with the other governance
 * commands of that turn (`RedisTurn`). While Redis is unreachable the
 * records wait in memory, in order, up to `bufferMax`; what does not fit is counted in
 * `stats.usageEventsDropped` and logged once per burst. They are written when Redis answers
 * again (on its `ready` event, or the next retry), and on `flush()` at shutdown.
 */
export class UsageRecorder {
  private queue: Queued[] = [];
  /** The queued records' rows, outside the heap. */
  private readonly rows = new UsageRows();
  private seq = 0;
  private running: Promise<boolean> | null = null;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** The flush wait of what is queued is over (or a retry is due): the next batch goes at once. */
  private due = false;
  private outage = false;
  private droppedInBurst = 0;
  private readonly batchSize: number;
  /** Longest wait before queued records are written (0: at the end of the turn). */
  private readonly flushMs: number;
  /** `written()` callers, in seq order: each waits for the records up to its seq. */
  private waiters: Array<{ seq: number; resolve: (ok: boolean) => void }> = [];
  /** The stream write of a first send: its bytes encoded into one buffer kept from batch to batch. */
  private readonly xadd = new EncodedScript(XADD_ONCE_LUA);
  private readonly onReady = () => {
    // Redis is back: write now rather than at the end of the retry pause.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.due = true;
    this.kick();
  };

  constructor(
    private readonly redis: RedisClient & GovernanceCommands,
    private readonly turn: RedisTurn,
    private readonly o: UsageRecorderOptions,
    private readonly stats: GatewayStats,
    private readonly log: Logger,
  ) {
    this.batchSize = o.batchSize ?? 256;
    this.flushMs = o.flushMs ?? 0;
    redis.on('ready', this.onReady);
  }

  /** Queue one record; it is written within `flushMs` when Redis is up. */
  record(r: UsageRecord): void {
    if (this.queue.length >= this.o.bufferMax) {
      this.stats.usageEventsDropped++;
      if (this.droppedInBurst++ === 0) {
        this.log.error({ bufferMax: this.o.bufferMax }, 'usage buffer full while Redis is unreachable: dropping usage events (counted in usage_events_dropped)');
      }
      return;
    }
    // Its row is written now, a request at a time, rather than a whole batch in one stretch of the loop when it is written.
    const start = this.rows.append(r.event);
    this.queue.push(new Queued(r, this.seq++, start, this.rows.used));
    this.stats.usageEventsBuffered = this.queue.length;
    this.kick();
  }

  /**
   * Resolves true once every record queued before this call is written (or dropped as
   * rejected), false if the recorder is closed first.
   */
  written(): Promise<boolean> {
    const last = this.seq - 1;
    if (this.queue.length === 0 || this.queue[0]!.seq > last) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push({ seq: last, resolve }));
  }

  private wake(): void {
    const head = this.queue.length > 0 ? this.queue[0]!.seq : Infinity;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.seq < head) this.waiters[n++]!.resolve(true);
    if (n > 0) this.waiters = this.waiters.slice(n);
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Write everything buffered now; resolves true when the buffer is empty. */
  async flush(): Promise<boolean> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearFlushTimer();
    while (this.queue.length > 0) {
      if (!(await this.runOnce())) return false;
    }
    return true;
  }

  /** Stop retrying (records still buffered stay unwritten; call flush() first). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearFlushTimer();
    this.redis.off('ready', this.onReady);
    for (const w of this.waiters.splice(0)) w.resolve(false);
  }

  /**
   * A record was queued: write within `flushMs`, or now if a batch is full. The timer also runs
   * while a batch is being written, so the records queued meanwhile wait for it (or for a full
   * batch) and not only for that batch's reply: under a steady load a batch every `flushMs`,
   * not one per round trip (at 2,000 req/s a round trip is 2-4 ms: 2-4× the batches, and the
   * calls' fixed cost — 56 rollup hashes, the script's run — with them).
   */
  private kick(): void {
    if (this.scheduled || this.retryTimer) return;
    if (!this.fullOrDue()) {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = null;
        this.due = true;
        this.kickNow();
      }, this.flushMs);
      return;
    }
    this.kickNow();
  }

  /** Whether what is queued goes now: no flush wait, a full batch, or the wait is over. */
  private fullOrDue(): boolean {
    return this.due || this.flushMs <= 0 || this.queue.length >= this.batchSize;
  }

  /** At the end of this turn, in one batch, behind the turn's admissions (nothing waits for usage). */
  private kickNow(): void {
    // While a batch is in flight, drain() goes on with the rest once it is written.
    if (this.scheduled || this.running || this.retryTimer) return;
    this.clearFlushTimer();
    this.scheduled = true;
    this.turn.defer(() => {
      this.scheduled = false;
      void this.drain();
    }, true);
  }

  private clearFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // What came in while the last batch was written waits for its own flush (kick's timer).
      if (!this.fullOrDue()) return this.kick();
      this.due = false;
      if (!(await this.runOnce())) {
        if (!this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.due = true;
            void this.drain();
          }, this.o.retryMs);
          this.retryTimer.unref();
        }
        return;
      }
    }
    this.due = false;
  }

  private runOnce(): Promise<boolean> {
    this.running ??= this.writeBatch().finally(() => (this.running = null));
    return this.running;
  }

  /** Write the head of the queue; false when Redis could not be reached. */
  private async writeBatch(): Promise<boolean> {
    const batch = this.queue.slice(0, this.batchSize);
    const { accounts, stream } = await this.send(batch);
    let unreachable = false;
    const keep: Queued[] = [];
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const acc = accounts[i]!;
      const xadd = r.streamed ? null : stream;
      if (acc === null) r.accounted = true;
      if (xadd === null && !r.streamed) {
        r.streamed = true;
        this.stats.usageEventsWritten++;
      }
      if (acc === null && xadd === null) continue;
      const failed = [acc, xadd].filter((e): e is Error => e instanceof Error);
      if (failed.some((e) => e.name !== 'ReplyError' || isTransientReply(e))) {
        unreachable = true;
        keep.push(r); // retried later for the part that is not written yet
      } else {
        // Redis refused the command itself (not reachability): retrying would fail forever.
        this.stats.usageEventsDropped++;
        this.log.error({ err: failed[0]!.message, reqId: queuedEvent(this.rows, r).id }, 'usage record rejected by Redis; dropped');
      }
    }
    this.queue = keep.concat(this.queue.slice(batch.length));
    freeRows(this.rows, this.queue);
    this.stats.usageEventsBuffered = this.queue.length;
    if (this.waiters.length > 0) this.wake();
    if (unreachable) {
      this.stats.redisErrors++;
      if (!this.outage) {
        this.outage = true;
        this.log.warn({ buffered: this.queue.length, bufferMax: this.o.bufferMax }, 'Redis unreachable: buffering usage events in memory');
      }
      return false;
    }
    if (this.outage && this.queue.length === 0) {
      this.log.info({ dropped: this.droppedInBurst }, 'Redis reachable again: buffered usage events written');
      this.outage = false;
    }
    if (this.queue.length < this.o.bufferMax) this.droppedInBurst = 0;
    return true;
  }

  /**
   * Write a batch: the error of each record's spend update (null = done, or nothing to do) and
   * the error of the one call that carries every event not streamed yet. Records this pod
   * applied before (a write whose reply was lost) are skipped by the scripts and counted.
   */
  private async send(batch: Queued[]): Promise<{ accounts: Array<Error | null>; stream: Error | null }> {
    const pod = this.o.pod;
    const eventSeqs: number[] = [];
    const streamed: Queued[] = [];
    // A compact entry: its columns, then a row per event, copied from UsageRows in runs.
    const runs: number[] = [];
    let eventsResent = false;
    for (const r of batch) {
      const resent = r.sends > 0;
      if (resent) this.stats.usageWriteRetries++;
      r.sends++;
      if (r.streamed) continue;
      eventSeqs.push(r.seq);
      streamed.push(r);
      if (runs.length > 0 && runs[runs.length - 1] === r.rowStart) runs[runs.length - 1] = r.rowEnd;
      else runs.push(r.rowStart, r.rowEnd);
      if (resent) eventsResent = true;
    }
    // Sent with the rest of this turn's governance commands (one write; on Cluster, one per tag).
    const settle = (p: Promise<[number, number]>): Promise<Error | null> =>
      p.then(
        ([applied, skipped]) => {
          // A mark ahead of a first send (should not happen): sent again one by one, then checked record by record.
          if (Number(applied) < 0) return new Error('usage mark ahead of a first send');
          this.stats.usageDuplicatesSkipped += Number(skipped);
          return null;
        },
        (e: Error) => e,
      );
    const accounts: Array<Error | null> = new Array<Error | null>(batch.length).fill(null);
    const updates = spendCalls(batch, pod).map((g) =>
      settle(this.turn.send(g.keys[0]!, (t) => t.gwAccountOnce(g.keys.length, ...g.keys, ...g.argv))).then((err) => {
        if (err) for (const i of g.members) accounts[i] = err;
      }),
    );
    // The whole batch of events in one script call, with their rollups: written all together or not at all.
    const rollup = this.o.rollupTtl === null ? NO_ROLLUPS : rollupArgs(streamed, this.o.rollupTtl ?? ROLLUP_TTL, !eventsResent);
    const xkeys = [RT_KEYS.usageStream, RT_KEYS.usageApplied(pod), RT_KEYS.usageStreamIndex, ...rollup.keys];
    const xargv: Array<string | number> = [this.o.streamMaxLen, USAGE_MARK_TTL_MS, ...rollup.argv];
    let stream: Promise<Error | null> | null = null;
    if (streamed.length === 0) {
      // Nothing to stream.
    } else if (eventsResent) {
      xargv.push('r');
      // The script decodes each (it sums the rollups of those it applies): objects, not rows.
      for (let i = 0; i < streamed.length; i++) xargv.push(eventSeqs[i]!, usageEventText(queuedEvent(this.rows, streamed[i]!)));
      stream = settle(this.turn.send(RT_KEYS.usageStream, (t) => t.gwXaddOnce(xkeys.length, ...xkeys, ...xargv)));
    } else {
      // The batch is one argument, the rows copied into the encoded command (no batch string, no fresh Buffer).
      const args = [...xargv, 'a', eventSeqs[0]!, eventSeqs[eventSeqs.length - 1]!, streamed.length, { first: USAGE_COLUMNS_JSON, from: this.rows.bytes, runs }, ...rollup.sums];
      stream = settle(
        this.xadd.call<[number, number]>(
          xkeys,
          args,
          (c) => this.turn.send(RT_KEYS.usageStream, (t) => t.sendCommand(c)),
          (c) => this.redis.sendCommand(c) as Promise<[number, number]>,
        ),
      );
    }
    const [, streamErr] = await Promise.all([Promise.all(updates), stream]);
    return { accounts, stream: streamErr };
  }
}
