import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { arm, release, type Tier, type Timed } from '../deadlines.js';
import { Errors, type GatewayError } from '../errors/catalog.js';
import { errorBody } from '../errors/render.js';
import { requestId } from '../request-id.js';
import { statusLine } from './status-line.js';
import type { BodyRefusal, GatewayRequest, ResponseSink } from './types.js';
import type { Uws } from './uws.js';
import { attachWebSockets, type WebSocketOptions } from './websocket.js';

/**
 * The only module that touches uWS's raw `res`/`req`. Rules it keeps (uWS.js examples):
 * read method, url and headers before the first await (HttpRequest dies with the callback);
 * register onAborted before anything async; cork every write made outside the callback;
 * copy onData chunks (their ArrayBuffer is reused); stream with write + onWritable.
 */

export type RequestHandler = (req: GatewayRequest, res: ResponseSink) => void;

export interface ListenOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Longest wait for a whole request body (0 = only uWS's own throughput rule); 408 and close after it. */
  bodyTimeoutMs?: number;
  /** Body (and accounting) of a 413/408 this listener sends itself. Default: the OpenAI shape, not counted. */
  refuseBody?: BodyRefusal;
  /**
   * Headers added to every answer to a request, whoever writes it (CORS, by its `Origin`):
   * asked once per request, with its headers; null adds none.
   */
  headersFor?: (requestHeaders: Readonly<Record<string, string>>) => Readonly<Record<string, string>> | null;
  /** The Responses API's WebSocket mode (websocket.ts); absent: no upgrades. */
  websocket?: WebSocketOptions;
}

export interface HttpListener {
  port: number;
  /**
   * Stop accepting new connections. Open ones keep going, but every response from now on
   * closes its connection, so keep-alive clients (and load balancers) reconnect elsewhere.
   */
  close(): void;
}

/** Listener-wide state every response reads. */
interface ListenerState {
  closing: boolean;
}

class UwsSink implements ResponseSink {
  aborted = false;
  headersSent = false;
  private ended = false;
  private abortCbs: Array<() => void> = [];

  constructor(
    private readonly res: HttpResponse,
    private readonly listener: ListenerState,
    /** A HEAD request: the answer carries the headers of GET, never a body. */
    private readonly head: boolean,
    /** Headers every answer to this request carries (ListenOptions.headersFor). */
    private readonly extra: Readonly<Record<string, string>> | null,
  ) {}

  /** Status, the writer's headers, then the listener's own (inside a cork). */
  private writeHeadLines(status: number, headers: Readonly<Record<string, string>>): void {
    const res = this.res;
    res.writeStatus(statusLine(status));
    for (const k in headers) res.writeHeader(k, headers[k]!);
    const extra = this.extra;
    if (extra !== null) for (const k in extra) res.writeHeader(k, extra[k]!);
  }

  markAborted(): void {
    this.aborted = true;
    const cbs = this.abortCbs;
    this.abortCbs = [];
    for (const cb of cbs) cb();
  }

  onAbort(cb: () => void): void {
    if (this.aborted) cb();
    else if (!this.ended) this.abortCbs.push(cb);
  }

  send(status: number, headers: Record<string, string>, body: string | Uint8Array): void {
    if (this.aborted || this.ended) return;
    this.ended = this.headersSent = true;
    this.abortCbs = [];
    const res = this.res;
    res.cork(() => {
      this.writeHeadLines(status, headers);
      if (!this.head) {
        res.end(body, this.listener.closing);
        return;
      }
      // Not endWithoutBody(length): in this build it then waits for that many body bytes and
      // keeps the response pending, so uWS would close the connection at the next request.
      // While draining (the connection must close) the length is reported as 0.
      if (this.listener.closing) {
        res.endWithoutBody(0, true);
        return;
      }
      res.writeHeader('Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
      res.endWithoutBody();
    });
  }

  writeHead(status: number, headers: Record<string, string>): void {
    if (this.aborted || this.ended) return;
    this.headersSent = true;
    this.res.cork(() => this.writeHeadLines(status, headers));
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.aborted || this.ended) return true;
    let ok = true;
    this.res.cork(() => {
      ok = this.res.write(chunk);
    });
    return ok;
  }

  onDrain(cb: () => void): void {
    if (this.aborted || this.ended) return;
    this.res.onWritable(() => {
      cb();
      return true;
    });
  }

  end(chunk?: string | Uint8Array): void {
    if (this.aborted || this.ended) return;
    this.ended = true;
    this.abortCbs = [];
    this.res.cork(() => {
      // Not `closeConnection` here: after streamed headers uWS would write it into the body.
      this.res.end(chunk);
    });
  }

  batch(fn: () => void): void {
    if (this.aborted || this.ended) return;
    // uWS runs a cork nested in this one as a plain call: everything goes out at its end.
    this.res.cork(fn);
  }

  /**
   * Answer and close the connection (the rest of an oversized body is never read). `body` is
   * only called when the answer is sent: once, never for a client already gone.
   */
  reject(status: number, body: () => string, reqId: string): void {
    if (this.aborted || this.ended) return;
    this.ended = this.headersSent = true;
    const text = body();
    const res = this.res;
    res.cork(() => {
      this.writeHeadLines(status, { 'content-type': 'application/json', 'x-request-id': reqId });
      res.end(text, true);
    });
  }
}

/**
 * The request's headers, repeated ones joined with `, `. A Content-Length repeated with the
 * same value is kept once (RFC 9110 §8.6 allows either that or a refusal); with different
 * values `conflictingLength` is set: uWS frames the body by the first one, a proxy in front
 * may have used another, and the bytes after the first body must never be read as a request
 * (RFC 9112 §6.3, request smuggling).
 */
function readHeaders(req: HttpRequest): { headers: Record<string, string>; conflictingLength: boolean } {
  const headers: Record<string, string> = {};
  let conflictingLength = false;
  req.forEach((k, v) => {
    if (!(k in headers)) headers[k] = v;
    else if (k !== 'content-length') headers[k] = `${headers[k]}, ${v}`;
    else if (headers[k] !== v) conflictingLength = true;
  });
  return { headers, conflictingLength };
}

/** What every request of a listener reads its body with. */
interface BodyRules {
  maxBodyBytes: number;
  /** Longest wait for the whole body (0: none). */
  bodyTimeoutMs: number;
  refuseBody: BodyRefusal;
  handler: RequestHandler;
}

/**
 * One request from its head to its whole body: the head read before the callback returns, the
 * body collected with a size limit (each chunk copied once) and a deadline, then the handler
 * called. One object per request, its deadline item itself, instead of a closure per step.
 */
class Incoming implements Timed {
  deadline = 0;
  tier: Tier | null = null;
  slot = -1;
  private buf: Buffer | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;

  constructor(
    private readonly res: HttpResponse,
    readonly sink: UwsSink,
    private readonly method: string,
    private readonly path: string,
    private readonly query: string,
    private readonly headers: Record<string, string>,
    private readonly receivedAt: number,
    private readonly rules: BodyRules,
  ) {}

  /** The client went away (uWS's onAborted): the sink says so, and the body's deadline is over. */
  aborted(): void {
    this.sink.markAborted();
    release(this);
  }

  /** Answer with `err` and close (the request is not handled). */
  refuse(err: GatewayError): void {
    const { method, path, headers, receivedAt } = this;
    const reqId = requestId(headers['x-request-id']);
    this.sink.reject(err.status, () => this.rules.refuseBody({ method, path, headers, receivedAt }, err, reqId), reqId);
  }

  /** The whole request is here (or it has no body). */
  handle(body: Buffer): void {
    const { method, path, query, headers, receivedAt } = this;
    this.rules.handler({ method, path, query, headers, body, receivedAt }, this.sink);
  }

  /** Collect the body: at most `maxBodyBytes`, within `bodyTimeoutMs`; `declared` is its content-length (-1: none). */
  readBody(declared: number): void {
    const limit = this.rules.maxBodyBytes;
    if (declared > limit) return this.refuse(Errors.bodyTooLarge(limit));
    // uWS drops a body slower than 16 KB/s only after ~10 s of shortfall and without an answer;
    // this deadline bounds the whole body and answers 408 before closing.
    // Checked by the shared deadline ticks: no timer per request.
    arm(this, this.rules.bodyTimeoutMs);
    this.buf = declared > 0 ? Buffer.allocUnsafe(declared) : null;
    this.res.onData((ab, isLast) => this.data(ab, isLast));
  }

  onDeadline(): void {
    this.size = Infinity;
    this.refuse(Errors.bodyTimeout(this.rules.bodyTimeoutMs));
  }

  private data(ab: ArrayBuffer, isLast: boolean): void {
    if (this.sink.aborted) return;
    const n = ab.byteLength;
    const size = this.size;
    if (size === Infinity) return;
    const limit = this.rules.maxBodyBytes;
    if (size + n > limit) {
      this.size = Infinity;
      release(this);
      this.refuse(Errors.bodyTooLarge(limit));
      return;
    }
    const buf = this.buf;
    if (buf && size + n <= buf.length) {
      buf.set(new Uint8Array(ab), size);
    } else {
      // No or wrong content-length: fall back to a chunk list.
      const chunks = (this.chunks ??= buf ? [buf.subarray(0, size)] : []);
      this.buf = null;
      chunks.push(Buffer.from(new Uint8Array(ab).slice()));
    }
    this.size = size + n;
    if (isLast) {
      release(this);
      const chunks = this.chunks;
      const total = this.size;
      const body = chunks ? Buffer.concat(chunks, total) : this.buf ? this.buf.subarray(0, total) : Buffer.alloc(0);
      this.handle(body);
    }
  }
}

const NO_BODY = Buffer.alloc(0);

/**
 * Drop the `uWebSockets: 20` header uWS writes on every response (it names the server build).
 * This build has no UWS_HTTPRESPONSE_NO_WRITEMARK; its undocumented `_cfg('silent')` sets the
 * loop's `noMark` flag, which writeMark() checks (the Date header stays). Loop-wide: every
 * listener of this thread (public and admin) is silenced.
 */
function silence(uws: Uws): void {
  (uws as unknown as { _cfg?: (key: string) => void })._cfg?.('silent');
}

/** Start a listener that turns every request into (GatewayRequest, ResponseSink). */
export function listen(uws: Uws, opts: ListenOptions, handler: RequestHandler): Promise<HttpListener> {
  silence(uws);
  const app: TemplatedApp = uws.App();
  const state: ListenerState = { closing: false };
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? 0;
  const refuseBody: BodyRefusal = opts.refuseBody ?? ((_head, err) => errorBody(err));
  const headersFor = opts.headersFor;
  // Before the catch-all route, so that upgrades reach it.
  const sockets = opts.websocket ? attachWebSockets(app, opts.websocket, handler) : null;
  const rules: BodyRules = { maxBodyBytes: opts.maxBodyBytes, bodyTimeoutMs, refuseBody, handler };
  app.any('/*', (res, req) => {
    const method = req.getMethod().toUpperCase();
    const path = req.getUrl();
    const query = req.getQuery() ?? '';
    const { headers, conflictingLength } = readHeaders(req);
    const sink = new UwsSink(res, state, method === 'HEAD', headersFor ? headersFor(headers) : null);
    const incoming = new Incoming(res, sink, method, path, query, headers, performance.now(), rules);
    res.onAborted(() => incoming.aborted());
    if (conflictingLength) {
      // Answered on the next turn, not now: this callback runs inside uWS's parser, which goes
      // on reading the bytes after the first body, and an answer ended here would let it serve
      // them as the next request. Unanswered, that next request makes uWS close the connection
      // instead; otherwise the 400 goes out with `Connection: close`.
      setImmediate(() => incoming.refuse(Errors.conflictingContentLength()));
      return;
    }
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'DELETE') {
      incoming.handle(NO_BODY);
      return;
    }
    const declared = Number(headers['content-length'] ?? -1);
    incoming.readBody(Number.isFinite(declared) ? declared : -1);
  });
  return new Promise((resolve, reject) => {
    app.listen(opts.host, opts.port, (token: us_listen_socket | false) => {
      if (!token) return reject(new Error(`cannot listen on ${opts.host}:${opts.port}`));
      resolve({
        port: uws.us_socket_local_port(token),
        close: () => {
          state.closing = true;
          uws.us_listen_socket_close(token);
          sockets?.closeAll();
        },
      });
    });
  });
}
