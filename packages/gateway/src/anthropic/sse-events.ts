import { StringDecoder } from 'node:string_decoder';

/** One server-sent event: its `event:` name (null when absent) and its joined `data:` lines. */
export interface SseEvent {
  event: string | null;
  data: string;
}

const BOUNDARY = /\r?\n\r?\n/;

function parseEvent(block: string): SseEvent | null {
  let event: string | null = null;
  let data: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('data:')) {
      const v = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === null ? v : `${data}\n${v}`;
    } else if (line.startsWith('event:')) event = line.slice(6).trim();
  }
  return data === null ? null : { event, data };
}

/**
 * Splits an SSE byte stream into whole events. A multi-byte character or an event cut across
 * two reads waits for the rest; comments and events without data are skipped.
 */
export class SseEventSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private tail = '';

  push(chunk: Uint8Array | string): SseEvent[] {
    const text = this.tail + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const blocks = text.split(BOUNDARY);
    this.tail = blocks.pop() ?? '';
    return this.parse(blocks);
  }

  /** What is left when the stream ends (a last event without its blank line). */
  flush(): SseEvent[] {
    const rest = this.tail + this.decoder.end();
    this.tail = '';
    return rest.trim() ? this.parse([rest]) : [];
  }

  private parse(blocks: string[]): SseEvent[] {
    const out: SseEvent[] = [];
    for (const b of blocks) {
      const ev = parseEvent(b);
      if (ev) out.push(ev);
    }
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
