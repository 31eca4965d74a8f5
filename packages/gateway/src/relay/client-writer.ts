import type { ResponseSink } from '../http/types.js';

type Part = Buffer | string;

function join(parts: Part[]): Part {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

/**
 * A relayed response's writes, coalesced per event-loop turn. undici hands over each chunk of
 * a chunked upstream response separately (typically one SSE event), and every uWS write made
 * outside a uWS callback is a syscall of its own; so headers, data and the end queued during
 * one upstream read leave together at the end of it (a microtask), in order, as one packet.
 */
export class ClientWriter {
  private head: { status: number; headers: Record<string, string> } | null = null;
  private parts: Part[] = [];
  private scheduled = false;
  private readonly flushLater = () => this.flush(false);

  /** `onFull` runs when the client's socket is backed up (wait for `res.onDrain`). */
  constructor(
    private readonly res: ResponseSink,
    private readonly onFull: () => void,
  ) {}

  writeHead(status: number, headers: Record<string, string>): void {
    this.head = { status, headers };
    this.schedule();
  }

  write(data: Part | null): void {
    if (data === null || data.length === 0) return;
    this.parts.push(data);
    this.schedule();
  }

  /** What is queued, then the end of the response, now. */
  end(): void {
    this.flush(true);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flushLater);
  }

  private flush(end: boolean): void {
    this.scheduled = end; // after the end nothing is flushed again
    const { head, parts, res } = this;
    if (head === null && parts.length === 0 && !end) return;
    this.head = null;
    this.parts = [];
    if (res.aborted) return;
    const body = parts.length === 0 ? undefined : join(parts);
    res.batch(() => {
      if (head) res.writeHead(head.status, head.headers);
      if (end) res.end(body);
      else if (body !== undefined && !res.write(body)) this.onFull();
    });
  }
}
