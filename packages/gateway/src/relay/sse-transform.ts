import type { Usage } from '../request-context.js';
import { extractUsage } from './extract-usage.js';
import { rewriteModel } from './rewrite-model.js';

export interface SseTransformOptions {
  upstreamModel: string;
  publicModel: string;
  /** Drop the usage-only chunk (`choices: []`) the client did not ask for. */
  dropUsageChunk: boolean;
  onUsage(u: Usage): void;
  /** Called for each event that reports an upstream error in-band (see `isErrorEvent`); the event is relayed all the same. */
  onErrorEvent?(): void;
}

const LF2 = Buffer.from('\n\n');
const CRLF2 = Buffer.from('\r\n\r\n');

function lastEventEnd(buf: Buffer): number {
  const n = buf.length;
  // The usual read ends on an event boundary: no search.
  if (n >= 2 && buf[n - 1] === 10 && (buf[n - 2] === 10 || (n >= 4 && buf[n - 2] === 13 && buf[n - 3] === 10 && buf[n - 4] === 13))) return n;
  const a = buf.lastIndexOf(LF2);
  const b = buf.lastIndexOf(CRLF2);
  return Math.max(a === -1 ? -1 : a + 2, b === -1 ? -1 : b + 4);
}

/**
 * Horspool shifts for the patterns `"usage"` and `"error"` at once (both 7 bytes long): how far
 * the window may move when its last byte is b, the smaller of the two patterns' shifts.
 */
const KEY_SHIFT = (() => {
  const t = new Uint8Array(256).fill(7);
  for (const pattern of ['"usage"', '"error"']) {
    for (let k = 0; k < pattern.length - 1; k++) {
      const c = pattern.charCodeAt(k);
      t[c] = Math.min(t[c]!, pattern.length - 1 - k);
    }
  }
  return t;
})();

/**
 * Where the first `"usage":{` or `"error":{` (or with a space after the colon) at or after
 * `from` starts, or -1: events that may carry usage or report an upstream error, the only
 * ones worth decoding. A Horspool search for both keys in one pass, in JS: every byte of a
 * stream passes here, and a native `Buffer#indexOf` call (or a plain byte loop) costs about
 * 2 ns per byte, this under 1 (0.8 ns per byte on a 3.5 KB read of twenty events).
 */
export function keyObjectAt(buf: Buffer, from: number): number {
  // i: where the key would end (its closing quote); the shortest match `"usage":{` needs 2 more bytes.
  const last = buf.length - 3;
  let i = from + 6;
  while (i <= last) {
    const b = buf[i]!;
    if (
      b === 34 /* " */ &&
      buf[i - 6] === 34 &&
      buf[i + 1] === 58 /* : */ &&
      (buf[i + 2] === 123 /* { */ || (buf[i + 2] === 32 /* space */ && buf[i + 3] === 123))
    ) {
      const c = buf[i - 5];
      if (
        (c === 117 /* u */ && buf[i - 4] === 115 /* s */ && buf[i - 3] === 97 /* a */ && buf[i - 2] === 103 /* g */ && buf[i - 1] === 101) /* e */ ||
        (c === 101 /* e */ && buf[i - 4] === 114 /* r */ && buf[i - 3] === 114 && buf[i - 2] === 111 /* o */ && buf[i - 1] === 114)
      ) {
        return i - 6;
      }
    }
    i += KEY_SHIFT[b]!;
  }
  return -1;
}

/** Start of the event holding byte `at`: just after the blank line before it (LF or CRLF lines), or 0. */
function eventStart(buf: Buffer, at: number): number {
  for (let k = at - 1; k >= 1; k--) {
    if (buf[k] === 10 && (buf[k - 1] === 10 || (buf[k - 1] === 13 && k >= 2 && buf[k - 2] === 10))) return k + 1;
  }
  return 0;
}

/** End of the event holding byte `at`: just after its blank line, or the end of the bytes. */
function eventEnd(buf: Buffer, at: number): number {
  const n = buf.length;
  for (let k = at; k < n - 1; k++) {
    if (buf[k] !== 10) continue;
    if (buf[k + 1] === 10) return k + 2;
    if (buf[k + 1] === 13 && buf[k + 2] === 10) return k + 3;
  }
  return n;
}

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

const ERROR_OBJECT = /"error": ?\{/;

/**
 * One SSE event whose data is a JSON object with an `error` object at its top level: how
 * OpenAI-compatible servers report a failure after they answered 200 (OpenRouter puts it
 * beside the chunk's usual fields, vLLM and LiteLLM send `data: {"error":{…}}`), and how
 * Anthropic does (`event: error`, `{"type":"error","error":{…}}`). An `error` nested deeper
 * (a Responses API object's `"error":null`, text in a delta) is not one.
 */
export function isErrorEvent(ev: string): boolean {
  if (!ERROR_OBJECT.test(ev)) return false;
  let data = '';
  for (const line of ev.split(/\r?\n/)) {
    if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
  }
  try {
    const j = JSON.parse(data) as unknown;
    if (typeof j !== 'object' || j === null) return false;
    const e = (j as Record<string, unknown>).error;
    return typeof e === 'object' && e !== null;
  } catch {
    return false;
  }
}

/**
 * Relays an SSE stream event by event: passes complete events through untouched on the fast
 * path, and only decodes an event when the model must be renamed, it carries usage, or it
 * reports an upstream error (relayed as it is; `onErrorEvent` tells the caller).
 * Partial events wait in `tail` for their end, so an event split across TCP reads is never
 * seen in halves.
 */
export class SseTransform {
  private tail: Buffer | null = null;
  private readonly rename: boolean;

  constructor(private readonly o: SseTransformOptions) {
    this.rename = o.upstreamModel !== o.publicModel;
  }

  /** Bytes to send to the client now (or null when nothing is complete yet). */
  push(chunk: Buffer): Buffer | string | null {
    const data = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
    const end = lastEventEnd(data);
    if (end === -1) {
      this.tail = Buffer.from(data); // the upstream buffer may be reused
      return null;
    }
    this.tail = end < data.length ? Buffer.from(data.subarray(end)) : null;
    const complete = end === data.length ? data : data.subarray(0, end);
    if (this.rename) return this.transform(complete.toString('utf8'));
    return this.usageEvents(complete);
  }

  /**
   * Without a rename only the events that carry a usage or error object are decoded (usually
   * the last one of a stream); the rest go out as the upstream's bytes, and a dropped usage
   * chunk is cut out of them in place: the bytes are the relay's (UpstreamHandler's
   * `onResponseData` hands them over, a tail is a copy), and a new buffer for what is left —
   * most of a read, often more than Buffer's 4 KB pool takes — cost more than the stream's
   * other events together.
   */
  private usageEvents(bytes: Buffer): Buffer {
    let at = keyObjectAt(bytes, 0);
    if (at === -1) return bytes;
    // Bytes kept so far end at `kept`; those from `keptFrom` on are not moved yet.
    let kept = -1;
    let keptFrom = 0;
    while (at !== -1) {
      const start = eventStart(bytes, at);
      const end = eventEnd(bytes, at);
      if (this.inspect(bytes.toString('utf8', start, end))) {
        if (kept === -1) kept = start;
        else if (start > keptFrom) {
          bytes.copyWithin(kept, keptFrom, start);
          kept += start - keptFrom;
        }
        keptFrom = end;
      }
      at = keyObjectAt(bytes, end);
    }
    if (kept === -1) return bytes;
    if (keptFrom < bytes.length) {
      bytes.copyWithin(kept, keptFrom);
      kept += bytes.length - keptFrom;
    }
    return bytes.subarray(0, kept);
  }

  /** Whatever is left when the upstream ends (an unterminated last event). */
  flush(): Buffer | string | null {
    const t = this.tail;
    this.tail = null;
    if (!t || t.length === 0) return null;
    return this.transform(t.toString('utf8'));
  }

  private transform(text: string): string {
    const events = text.split(/(?<=\r?\n\r?\n)/);
    let out = '';
    for (const ev of events) {
      if (this.inspect(ev)) continue;
      out += this.rename ? rewriteModel(ev, this.o.upstreamModel, this.o.publicModel) : ev;
    }
    return out;
  }

  /** One whole event: report its error and usage; true when it is the usage chunk to drop. */
  private inspect(ev: string): boolean {
    if (this.o.onErrorEvent && ev.includes('"error"') && isErrorEvent(ev)) this.o.onErrorEvent();
    const usage = ev.includes('"usage"') ? extractUsage(ev) : null;
    if (!usage) return false;
    this.o.onUsage(usage);
    return this.o.dropUsageChunk && EMPTY_CHOICES.test(ev);
  }
}
