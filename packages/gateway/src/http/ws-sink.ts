import type { WebSocket } from 'uWebSockets.js';
import { SseEventSplitter } from '../relay/sse-events.js';
import type { ConnectionMemory, ResponseSink } from '../request-context.js';

/** Bytes waiting in a socket's buffer above which a writer is told to wait for `onDrain`. */
const HIGH_WATER_BYTES = 64 * 1024;

/** What a WebSocket's sinks share: the socket (null once closed) and its drain waiters. */
export interface WsSocketState {
  ws: WebSocket<unknown> | null;
  drainWaiters: Array<() => void>;
  memory: ConnectionMemory;
}

/**
 * One response on a WebSocket, seen by the pipeline as any response: a ResponseSink. The SSE
 * stream the relay writes becomes one text message per event (its `data`, which carries its
 * `type`); a whole answer of status ≥ 400 becomes `{"type":"error","status",…error}` (its
 * body's `error` object as it is, so the error itself is still rendered by errors/render.ts);
 * a whole 2xx JSON answer becomes `response.completed`. `onEnd` is called once, when the
 * response is over (sent, ended, or the socket closed).
 */
export class WsSink implements ResponseSink {
  aborted = false;
  headersSent = false;
  /** Status of the answer (0 until known). */
  status = 0;
  private ended = false;
  private abortCbs: Array<() => void> = [];
  private readonly splitter = new SseEventSplitter();

  /** Put in front of every message's other fields: `{"stream_id":"…",` for a named stream, else nothing. */
  private readonly tagPrefix: string | null;

  /** `lane`: the `stream_id` the response runs on ('' for the default stream, whose events carry none). */
  constructor(
    private readonly socket: WsSocketState,
    private readonly onEnd: (sink: WsSink) => void,
    readonly lane = '',
  ) {
    this.tagPrefix = lane === '' ? null : `{"stream_id":${JSON.stringify(lane)},`;
  }

  /** A message of this response, its `stream_id` echoed (every message is a JSON object). */
  private tag(json: string): string {
    const p = this.tagPrefix;
    if (p === null || json.charCodeAt(0) !== 123) return json;
    return json.length > 2 ? p + json.slice(1) : `${p.slice(0, -1)}}`;
  }

  get connection(): ConnectionMemory {
    return this.socket.memory;
  }

  /** The socket closed: the pipeline aborts the upstream call as for a client that went away. */
  markAborted(): void {
    if (this.ended) return;
    this.aborted = true;
    const cbs = this.abortCbs;
    this.abortCbs = [];
    for (const cb of cbs) cb();
    this.finish();
  }

  onAbort(cb: () => void): void {
    if (this.aborted) cb();
    else if (!this.ended) this.abortCbs.push(cb);
  }

  send(status: number, _headers: Record<string, string>, body: string | Uint8Array): void {
    if (this.aborted || this.ended) return;
    this.headersSent = true;
    this.status = status;
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    this.sendText(status >= 400 ? errorMessage(status, text) : completedMessage(text));
    this.finish();
  }

  writeHead(status: number): void {
    if (this.aborted || this.ended) return;
    this.headersSent = true;
    this.status = status;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.aborted || this.ended) return true;
    const events = this.splitter.push(chunk);
    const ws = this.socket.ws;
    if (!ws) return true;
    ws.cork(() => {
      for (const ev of events) if (ev.data !== '[DONE]') ws.send(this.tag(ev.data), false);
    });
    return ws.getBufferedAmount() < HIGH_WATER_BYTES;
  }

  onDrain(cb: () => void): void {
    if (this.aborted || this.ended) return;
    this.socket.drainWaiters.push(cb);
  }

  end(chunk?: string | Uint8Array): void {
    if (this.aborted || this.ended) return;
    if (chunk !== undefined) this.write(chunk);
    for (const ev of this.splitter.flush()) if (ev.data !== '[DONE]') this.sendText(ev.data);
    this.finish();
  }

  batch(fn: () => void): void {
    if (this.aborted || this.ended) return;
    const ws = this.socket.ws;
    if (ws) ws.cork(fn);
    else fn();
  }

  private sendText(text: string): void {
    const ws = this.socket.ws;
    const msg = this.tag(text);
    if (ws) ws.cork(() => ws.send(msg, false));
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.abortCbs = [];
    this.onEnd(this);
  }
}

/** An HTTP error answer as a WebSocket error message: its `error` object as rendered, with the status. */
function errorMessage(status: number, body: string): string {
  let error: unknown;
  try {
    const j = JSON.parse(body) as { error?: unknown };
    error = j.error ?? j;
  } catch {
    error = { message: body };
  }
  return JSON.stringify({ type: 'error', status, error });
}

/** A whole Response object (an answer that did not stream) as the event that carries it. */
function completedMessage(body: string): string {
  return `{"type":"response.completed","response":${body}}`;
}
