import { createParser, type EventSourceParser } from 'eventsource-parser';
import { StringDecoder } from 'node:string_decoder';

/** One server-sent event: its `event:` name (null when absent) and its joined `data:` lines. */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * Splits an SSE byte stream into whole events (eventsource-parser does the framing: CR, LF or
 * CRLF line ends, multi-line data, comments). A multi-byte character or an event cut across
 * two reads waits for the rest; events without data are skipped. The relay's own hot path
 * (sse-transform.ts) frames bytes itself, for the speed `scripts/bench/sse-parse.mjs` shows.
 */
export class SseEventSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private out: SseEvent[] = [];
  private readonly parser: EventSourceParser = createParser({
    onEvent: (e) => this.out.push({ event: e.event ?? null, data: e.data }),
  });

  push(chunk: Uint8Array | string): SseEvent[] {
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    return this.take();
  }

  /** What is left when the stream ends (a last event without its blank line). */
  flush(): SseEvent[] {
    this.parser.feed(`${this.decoder.end()}\n\n`);
    this.parser.reset();
    return this.take();
  }

  private take(): SseEvent[] {
    const out = this.out;
    if (out.length) this.out = [];
    return out;
  }
}

/** `event: <name>\ndata: <json>\n\n`. */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `data: <json>\n\n`. */
export function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
