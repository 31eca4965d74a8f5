import type { Socket } from 'node:net';
import type { UpstreamHeaders } from '../dispatcher.js';
import { bodyTimeout, connectTimeout, headersTimeout, socketClosed } from './errors.js';
import type { H1Request, RequestCarrier } from './request.js';
import { ResponseParser, type ParserSink } from './response-parser.js';
import { arm, disarm, type Tier, type Timed } from '../../deadlines.js';

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly origin: string;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly maxHeaderSize: number;
  /** The response is over and the socket may carry another request. */
  release(conn: Connection): void;
  /** The socket is gone. */
  forget(conn: Connection): void;
}

const CONNECTING = 0;
const IDLE = 1;
const HEADERS = 2;
const BODY = 3;
const CLOSED = 4;

/**
 * The server closes idle connections on its own clock: stop reusing one this long before its
 * `Keep-Alive: timeout` (undici's keepAliveTimeoutThreshold), so that a request is not written
 * just as the server closes.
 */
const KEEP_ALIVE_MARGIN_MS = 2_000;

/**
 * Where every socket this module opens itself is read into (net's and tls's `onread`): one
 * buffer for the whole process instead of a new one per read, and no stream machinery
 * (`push`, `'data'`) between the socket and the parser. A read is handled before the next one
 * can arrive (reads come from the event loop, one socket at a time), so whatever outlives the
 * handling of a read is copied out of it: body pieces handed to the request, and what a
 * paused request holds. The parser copies what it keeps of a head itself.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1_024);

/** net's and tls's `onread` option. */
export interface ReadInto {
  buffer: Buffer;
  callback: (bytes: number, buf: Buffer) => boolean;
}

/** Opens the socket a connection reads through `onread` (a direct TCP or TLS connection). */
export type OpenSocket = (onread: ReadInto) => Socket;

/**
 * One socket to an upstream and the request it carries, if any. It reads the socket into the
 * parser, hands the parser's output to the request, holds what is already read while the
 * request is paused, and runs the connection's one deadline at a time (connect, response
 * head, body idle, keep-alive idle). Nothing here throws out of a socket event handler.
 */
export class Connection implements Timed, ParserSink, RequestCarrier {
  readonly socket: Socket;
  deadline = 0;
  tier: Tier | null = null;
  slot = -1;
  /** The request on this socket, if any. */
  req: H1Request | null = null;
  /** `performance.now()` when it last became idle. */
  idleSince = 0;
  private phase = CONNECTING;
  private readonly parser: ResponseParser;
  /** Read but not yet parsed (the request is paused). */
  private pending: Buffer | null = null;
  private pendingPos = 0;
  /** The socket ended (null) or failed (the error) while data was held; handled after it. */
  private ended: Error | null | undefined = undefined;
  /** Inside parser.execute: a resume() must not start a second one. */
  private feeding = false;
  /** Reads land in READ_BUFFER (else each is a Buffer of its own, from `'data'`). */
  private readonly shared: boolean;

  constructor(
    /**
     * The socket, or how to open it reading into the shared buffer. A socket that exists
     * already (a proxy's tunnel, TLS inside one: tls ignores `onread` over an existing socket)
     * is read through `'data'`.
     */
    socket: Socket | OpenSocket,
    private readonly owner: ConnectionOwner,
    /** The event that says the socket is ready; null: it already is (a proxy's tunnel to an http upstream). */
    connectEvent: 'connect' | 'secureConnect' | null,
    /** What is left of the connect timeout (less than it behind a proxy's tunnel); 0: none. */
    connectMs = owner.connectTimeoutMs,
  ) {
    this.parser = new ResponseParser(this, owner.maxHeaderSize);
    this.shared = typeof socket === 'function';
    if (typeof socket === 'function') socket = socket({ buffer: READ_BUFFER, callback: this.onRead });
    this.socket = socket;
    // Also on an `onread` socket, where it never fires: it keeps the stream flowing, so that
    // its end is still reported ('end').
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    if (connectEvent === null) {
      this.phase = IDLE;
    } else {
      socket.once(connectEvent, this.onConnect);
      arm(this, connectMs);
    }
  }

  /** Idle and still open: may take a request. */
  get usable(): boolean {
    return this.phase === IDLE && !this.socket.destroyed && this.socket.writable;
  }

  /** Write `req` (once connected) and read its response. */
  send(req: H1Request): void {
    this.req = req;
    req.conn = this;
    this.parser.reset(req.noBody);
    if (this.phase === IDLE) {
      this.socket.ref();
      this.phase = HEADERS;
      arm(this, req.opts.headersTimeout);
      this.write(req.wire);
    }
    if (req.paused) this.pause();
  }

  /**
   * While connecting, the request waits for onConnect rather than in net's or tls's write queue:
   * a write queued behind a TLS handshake that fails reports `EPROTO` instead of the handshake's
   * own error (ERR_SSL_…), which is what says why.
   */
  private write(wire: Buffer | [Buffer, Buffer]): void {
    if (Buffer.isBuffer(wire)) this.socket.write(wire);
    else {
      this.socket.cork();
      this.socket.write(wire[0]);
      this.socket.write(wire[1]);
      this.socket.uncork();
    }
  }

  /** Stop reading; data already read is held until resume(). */
  pause(): void {
    this.parser.halt = true;
    this.socket.pause();
    // Time the consumer keeps us waiting is not the upstream's silence.
    if (this.phase === HEADERS || this.phase === BODY) disarm(this);
  }

  resume(): void {
    const req = this.req;
    if (req === null) return;
    this.parser.halt = false;
    if (this.feeding) return; // the parse loop under way goes on by itself
    if (this.pending !== null) {
      const buf = this.pending;
      this.pending = null;
      this.feed(buf, this.pendingPos);
      if (this.req !== req || req.paused) return;
    }
    if (this.ended !== undefined) {
      this.atEnd(this.ended);
      return;
    }
    this.socket.resume();
    if (this.phase === BODY) arm(this, req.opts.bodyTimeout);
    else if (this.phase === HEADERS) arm(this, req.opts.headersTimeout);
  }

  /** The request gave up (abort): the socket goes with it. */
  drop(req: H1Request): void {
    if (this.req !== req) return;
    this.req = null;
    this.parser.halt = true;
    this.close();
  }

  /** Fail the request on this socket (if any) and close it. */
  fail(err: Error): void {
    const req = this.req;
    this.req = null;
    this.parser.halt = true;
    this.close();
    req?.fail(err);
  }

  /** Destroy the socket (idempotent). */
  close(): void {
    if (this.phase === CLOSED) return;
    this.phase = CLOSED;
    disarm(this);
    this.pending = null;
    this.socket.destroy();
    this.owner.forget(this);
  }

  /** Park as an idle keep-alive socket until `ms` from now. */
  idle(ms: number): void {
    this.phase = IDLE;
    this.idleSince = performance.now();
    this.socket.unref();
    arm(this, ms);
  }

  onDeadline(): void {
    const req = this.req;
    switch (this.phase) {
      case CONNECTING:
        this.fail(connectTimeout(this.owner.origin, this.owner.connectTimeoutMs));
        break;
      case HEADERS:
        if (req) this.fail(headersTimeout(req.opts.headersTimeout));
        break;
      case BODY:
        if (req) this.fail(bodyTimeout(req.opts.bodyTimeout));
        break;
      case IDLE:
        this.close();
        break;
    }
  }

  onHead(status: number, headers: UpstreamHeaders, reason: string): void {
    const req = this.req!;
    this.phase = BODY;
    arm(this, req.opts.bodyTimeout);
    req.head(status, headers, reason);
  }

  onBody(chunk: Buffer): void {
    // The request may keep it (dispatcher.ts): out of the shared buffer first.
    this.req!.data(this.shared ? Buffer.from(chunk) : chunk);
  }

  private readonly onConnect = (): void => {
    if (this.phase !== CONNECTING) return;
    this.phase = HEADERS;
    const req = this.req;
    if (req === null) return;
    this.write(req.wire);
    if (req.paused) disarm(this);
    else arm(this, req.opts.headersTimeout);
  };

  /** A read into READ_BUFFER. */
  private readonly onRead = (bytes: number, buf: Buffer): boolean => {
    this.onData(buf.subarray(0, bytes));
    // Pausing is pause()'s (which stops reading at once): true leaves it as it is.
    return true;
  };

  private readonly onData = (buf: Buffer): void => {
    if (this.req === null) {
      // Bytes nobody asked for (an idle socket, or after a complete response): the framing
      // can no longer be trusted.
      this.close();
      return;
    }
    if (this.pending !== null) {
      // A copy either way: concat makes a new buffer.
      this.pending = Buffer.concat([this.pending.subarray(this.pendingPos), buf]);
      this.pendingPos = 0;
      return;
    }
    // Bytes that arrive while paused (tls hands over what it already decrypted) are no sign of
    // life the paused request's deadline is waiting for: it has none.
    if (this.phase === BODY && !this.req.paused) arm(this, this.req.opts.bodyTimeout);
    this.feed(buf, 0);
  };

  private readonly onEnd = (): void => {
    if (this.pending !== null) this.ended ??= null;
    else this.atEnd(null);
  };

  private readonly onError = (err: Error): void => {
    if (this.pending !== null) this.ended ??= err;
    else this.atEnd(err);
  };

  private readonly onClose = (): void => {
    if (this.phase === CLOSED) return;
    if (this.pending !== null) this.ended ??= null;
    else this.atEnd(null);
  };

  /** Parse `buf` from `pos` for the current request. */
  private feed(buf: Buffer, pos: number): void {
    const req = this.req!;
    let n: number;
    this.feeding = true;
    try {
      n = this.parser.execute(buf, pos);
    } catch (e) {
      this.feeding = false;
      this.fail(e as Error);
      return;
    }
    this.feeding = false;
    if (this.req !== req) return; // aborted or failed from a callback
    if (req.paused) {
      // Hold the rest (and the end, if the response is complete) until resume().
      if (n < buf.length || this.parser.complete) {
        this.pending = this.shared ? Buffer.from(buf.subarray(n)) : buf;
        this.pendingPos = this.shared ? 0 : n;
      }
      return;
    }
    if (this.parser.complete) this.completed(buf.length - n);
  }

  /** The response is complete; `leftover` bytes followed it in the same read. */
  private completed(leftover: number): void {
    const req = this.req!;
    // Read before release(), which may hand this connection to a waiting request at once.
    const trailers = this.parser.trailers;
    this.req = null;
    disarm(this);
    let idleMs = this.owner.keepAliveMs;
    const hint = this.parser.keepAliveHintMs;
    if (hint >= 0) idleMs = Math.min(idleMs, hint - KEEP_ALIVE_MARGIN_MS);
    if (leftover === 0 && this.parser.keepAlive && idleMs > 0 && this.ended === undefined && this.phase !== CLOSED && !this.socket.destroyed) {
      this.idle(idleMs);
      this.owner.release(this);
    } else {
      this.close();
    }
    req.end(trailers);
  }

  /** The socket ended (`err` null: EOF) with nothing held. */
  private atEnd(err: Error | null): void {
    this.ended = undefined;
    const req = this.req;
    if (req === null || this.phase === CLOSED) {
      this.close();
      return;
    }
    if (err === null && this.phase !== CONNECTING) {
      const e = this.parser.eof();
      if (e === null) {
        if (this.parser.complete) this.completed(0);
        return;
      }
      err = e;
    }
    // The request was written (or queued behind the handshake) and may have reached the
    // upstream, which may have acted on it: it is never sent again here, whatever the method.
    // The caller gets the error and decides (a failover is an attempt of its own).
    this.fail(err ?? socketClosed('while connecting'));
  }
}
