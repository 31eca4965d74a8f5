import type { UpstreamController, UpstreamDispatchOptions, UpstreamHandler, UpstreamHeaders } from '../dispatcher.js';

/** What carries a request once it left the queue: its connection (or, before it, its proxy tunnel). */
export interface RequestCarrier {
  /** The request gave up: the socket goes with it. */
  drop(req: H1Request): void;
  pause(): void;
  resume(): void;
}

/** A request's place in its pool's wait queue (wait-queue.ts). */
export interface QueuePlace {
  /** Out of the queue (the request ended while it waited). */
  leave(): void;
}

/**
 * One request: its bytes, its handler, and the controller handed to the handler. The handler
 * is called through here only, which keeps the contract: each phase at most once, in order,
 * nothing after the end or an error. A handler that throws in onResponseStart/Data aborts the
 * request with what it threw; a throw from onResponseEnd/Error is swallowed (the request is
 * over and the socket's event handler must not throw).
 */
export class H1Request implements UpstreamController {
  /** The end or an error was delivered (or is being): nothing more is. */
  done = false;
  /** The response head was delivered. */
  started = false;
  /** The consumer asked to stop receiving body data. */
  paused = false;
  /** The connection carrying it, while it does. */
  conn: RequestCarrier | null = null;
  /** Its place in the queue while it waits for a connection (its pool is at its bound). */
  waiting: QueuePlace | null = null;

  constructor(
    readonly opts: UpstreamDispatchOptions,
    readonly handler: UpstreamHandler,
    /** The serialized request (set once the pool's Host is known). */
    public wire: Buffer | [Buffer, Buffer],
    private readonly onSettled: () => void,
  ) {}

  get noBody(): boolean {
    return this.opts.method === 'HEAD';
  }

  pause(): void {
    if (this.done || this.paused) return;
    this.paused = true;
    this.conn?.pause();
  }

  resume(): void {
    if (this.done || !this.paused) return;
    this.paused = false;
    this.conn?.resume();
  }

  abort(reason: Error): void {
    if (this.done) return;
    const conn = this.conn;
    this.conn = null;
    conn?.drop(this);
    this.fail(reason);
  }

  /** @internal the connection delivers the head. */
  head(status: number, headers: UpstreamHeaders, reason: string): void {
    if (this.done) return;
    this.started = true;
    try {
      this.handler.onResponseStart?.(this, status, headers, reason);
    } catch (e) {
      this.abort(e as Error);
    }
  }

  /** @internal the connection delivers a piece of the body. */
  data(chunk: Buffer): void {
    if (this.done) return;
    try {
      this.handler.onResponseData?.(this, chunk);
    } catch (e) {
      this.abort(e as Error);
    }
  }

  /** @internal the response ended. */
  end(trailers: UpstreamHeaders): void {
    if (this.settle()) return;
    try {
      this.handler.onResponseEnd?.(this, trailers);
    } catch {
      // The request is over; nothing can be told about it any more.
    }
  }

  /** @internal the request failed. */
  fail(err: Error): void {
    if (this.settle()) return;
    try {
      this.handler.onResponseError?.(this, err);
    } catch {
      // As in end().
    }
  }

  /** Mark the request over; true if it already was. */
  private settle(): boolean {
    if (this.done) return true;
    this.done = true;
    this.conn = null;
    if (this.waiting !== null) this.waiting.leave();
    this.onSettled();
    return false;
  }
}
