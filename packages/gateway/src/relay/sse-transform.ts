import type { Usage } from '../pipeline/context.js';
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
 * `"usage":{` or `"error":{` (or with a space after the colon) anywhere in the bytes: events
 * that may carry usage or report an upstream error, the only ones worth decoding. A Horspool
 * search for both keys in one pass, in JS: every event of a stream passes here, and a native
 * `Buffer#indexOf` call per event (or a plain byte loop) cost about 2 ns per byte, this about
 * a fifth of that. Looking for `"error"` as well changed nothing measurable (about 170 ns per
 * 250-byte chunk either way: only the shifts of `r` and `o` shrink).
 */
export function hasUsageOrErrorObject(buf: Buffer): boolean {
  // i: where the key would end (its closing quote); the shortest match `"usage":{` needs 2 more bytes.
  const last = buf.length - 3;
  let i = 6;
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
        return true;
      }
    }
    i += KEY_SHIFT[b]!;
  }
  return false;
}

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
    if (!this.rename && !hasUsageOrErrorObject(complete)) return complete;
    return this.transform(complete.toString('utf8'));
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
      if (this.o.onErrorEvent && ev.includes('"error"') && isErrorEvent(ev)) this.o.onErrorEvent();
      if (ev.includes('"usage"')) {
        const usage = extractUsage(ev);
        if (usage) {
          this.o.onUsage(usage);
          if (this.o.dropUsageChunk && /"choices"\s*:\s*\[\s*\]/.test(ev)) continue;
        }
      }
      out += this.rename ? rewriteModel(ev, this.o.upstreamModel, this.o.publicModel) : ev;
    }
    return out;
  }
}
