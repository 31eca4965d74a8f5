import { type UsageEvent } from '@llmgw/core';

/**
 * The rows of the usage events waiting to be written, as bytes outside V8's heap: each event's
 * row of a compact entry (core's `usageEventRow`: the same bytes) followed by a comma, appended
 * in the order the events are recorded. A row was a string of ≈ 200 bytes per queued record,
 * and making it (`JSON.stringify` of an array) left ≈ 900 bytes of garbage per request; queued
 * for up to a flush, the strings were most of what every scavenge found alive and copied. Here
 * a row is written straight into memory the collector never walks, and a batch's rows — one
 * run of bytes when nothing was skipped — are copied into the command in one call.
 *
 * Rows are freed in order: the recorder names the oldest row still queued (`compact`) and the
 * space before it is reused; when the queue is empty (`clear`) the whole buffer is.
 */
export class UsageRows {
  private buf: Buffer;
  /** End of the last row. */
  private end = 0;
  /** Where the row being appended is written to. */
  private at = 0;
  /** The bytes the row being appended takes at most when no string needs escapes. */
  private rowRoom = 0;

  constructor(private readonly size = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  /** The buffer the rows are in (`start`/`end` from `append`); valid until the next `append`, `compact` or `clear`. */
  get bytes(): Buffer {
    return this.buf;
  }

  /** Nothing is queued: every row's space is free. */
  clear(): void {
    this.end = 0;
    // Grown while Redis was away (up to the recorder's bufferMax rows): given back once they are written.
    if (this.buf.length > 16 * this.size) this.buf = Buffer.allocUnsafeSlow(this.size);
  }

  /**
   * Free the space before `first` (the start of the oldest row still queued) by moving the rows
   * after it to the buffer's start; returns how far they moved (subtract it from every queued
   * row's offsets).
   */
  compact(first: number): number {
    if (first <= 0) return 0;
    this.buf.copyWithin(0, first, this.end);
    this.end -= first;
    return first;
  }

  /** Bytes in use, from the buffer's start to the end of the last row. */
  get used(): number {
    return this.end;
  }

  /** Append `e`'s row and its comma; returns where it starts (it ends at `used`). */
  append(e: UsageEvent): number {
    const start = this.end;
    this.at = start;
    // Room for the row unless a string needs escapes (`escaped` makes its own): strings, 24 numbers, brackets and commas.
    this.rowRoom = e.id.length + e.key_id.length + e.key_name.length + e.model.length + e.provider.length + e.upstream_model.length + e.endpoint.length + e.error.length + 32 * 3 + 24 * 26;
    this.room(this.rowRoom);
    this.buf[this.at++] = 0x5b; // [
    this.str(e.id);
    this.str(e.key_id);
    this.str(e.key_name);
    this.str(e.model);
    this.str(e.provider);
    this.str(e.upstream_model);
    this.str(e.endpoint);
    this.num(e.prompt_tokens);
    this.num(e.completion_tokens);
    this.num(e.cached_tokens);
    this.num(e.estimated ? 1 : 0);
    this.num(e.cost_usd);
    this.num(e.latency_ms);
    this.num(e.ttfb_ms);
    this.num(e.status);
    this.num(e.attempts);
    this.num(e.stream ? 1 : 0);
    this.num(e.aborted ? 1 : 0);
    this.str(e.error);
    this.num(e.ts);
    this.num(e.cache_write_tokens);
    this.num(e.cache_write_1h_tokens);
    if (e.kind === 'mcp') {
      this.str('mcp');
      this.num(e.bytes ?? 0);
    }
    // The last value's comma becomes the row's end, and a comma follows it (consecutive rows are a run of the batch's array).
    this.buf[this.at - 1] = 0x5d; // ]
    this.buf[this.at++] = 0x2c;
    // A typed array drops writes past its end silently: a row that did not fit must not pass as written.
    if (this.at > this.buf.length) throw new Error('UsageRows: a row outgrew the room made for it');
    this.end = this.at;
    return start;
  }

  /** The row at `start`…`end` (its comma excluded) as its text: for what is rarely needed (a resend, a log line). */
  rowText(start: number, end: number): string {
    return this.buf.toString('utf8', start, end - 1);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** A value and its comma: as JSON writes it (`JSON.stringify` of the row). Room was made by `append`. */
  private str(s: string): void {
    const n = s.length;
    const buf = this.buf;
    let at = this.at;
    buf[at++] = 0x22; // "
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // What JSON writes as it is: printable ASCII but the quote and the backslash.
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.escaped(s);
      buf[at++] = c;
    }
    buf[at++] = 0x22;
    buf[at++] = 0x2c;
    this.at = at;
  }

  /** A string with escapes or non-ASCII characters: JSON's own text, in UTF-8. */
  private escaped(s: string): void {
    const json = JSON.stringify(s);
    // Room for it and, again, for the whole row's plain size: what follows it fits.
    this.room(Buffer.byteLength(json) + 1 + this.rowRoom);
    this.at += this.buf.write(json, this.at, 'utf8');
    this.buf[this.at++] = 0x2c;
  }

  /** A number and its comma, as JSON writes it. Room was made by `append` (or `escaped`). */
  private num(v: number): void {
    const buf = this.buf;
    let at = this.at;
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) {
      // A whole number (nearly every value, the timestamp too): its digits, without a string.
      if (v < 10) buf[at++] = 0x30 + v;
      else {
        let digits = 1;
        for (let p = 10; p <= v; p *= 10) digits++;
        at += digits;
        for (let i = 1, x = v; i <= digits; i++) {
          const q = Math.floor(x / 10);
          buf[at - i] = 0x30 + (x - q * 10);
          x = q;
        }
      }
    } else {
      // JSON writes what is not finite as null, and -0 as 0 (as String does).
      const text = Number.isFinite(v) ? String(v) : 'null';
      for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    }
    buf[at++] = 0x2c;
    this.at = at;
  }
}
