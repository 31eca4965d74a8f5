import { STATUS_CODES } from 'node:http';
import uWS from 'uWebSockets.js';
import type { Header } from './api-shapes.js';
import type { Route } from './routes.js';
import type { Frame } from './sse.js';

/**
 * The only module that touches uWS `res`/`req`. Its rules: url, method and headers are read
 * before the handler returns (`HttpRequest` dies with the callback); `onAborted` is registered
 * at once; writes made outside the callback are corked; `onData` chunks are copied; streams
 * follow backpressure through `onWritable`.
 */

/** A request as the rest of the server sees it. */
export interface Incoming {
  /** Upper case. */
  method: string;
  path: string;
  query: string;
  /** undefined when no route matched. */
  route: Route | undefined;
  param: string;
  /** Every header when `allHeaders`, otherwise only the ones the server reads. */
  headers: Record<string, string>;
}

export type { Header };

export interface StreamOptions {
  /** Default `text/event-stream; charset=utf-8`. */
  contentType?: string;
  delayMs: number;
  /** Close the connection once this many content frames are written. */
  dropAfter?: number;
  /** Write nothing more, and keep the connection open, once this many content frames are written. */
  stallAfter?: number;
  /** 'done', or 'dropped' when `dropAfter` closed the connection. Not called when the client aborted. */
  onEnd: (how: 'done' | 'dropped') => void;
  /** The client stopped reading (a frame waits in uWS's buffer for the socket to drain: true) or read it (false). */
  onBlocked?: (blocked: boolean) => void;
}

const STATUS_LINES = new Map<number, string>();
function statusLine(status: number): string {
  let s = STATUS_LINES.get(status);
  if (s === undefined) {
    s = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    STATUS_LINES.set(status, s);
  }
  return s;
}

/** A small writer over one uWS response; every method is a no-op once the exchange is over. */
export class Writer {
  private finished = false;
  private byUs = false;
  private timers: Set<NodeJS.Timeout> | undefined;
  private abortListener: (() => void) | undefined;

  constructor(
    private readonly res: uWS.HttpResponse,
    private readonly open: Set<Writer>,
  ) {
    res.onAborted(() => {
      const clientLeft = !this.byUs && !this.finished;
      this.finish();
      if (clientLeft) this.abortListener?.();
    });
  }

  get done(): boolean {
    return this.finished;
  }

  /** Called once if the client goes away before the answer is complete. */
  onClientAbort(cb: () => void): void {
    this.abortListener = cb;
  }

  /** Keep the exchange open past the handler (until answered, aborted or the server closes). */
  hold(): void {
    if (!this.finished) this.open.add(this);
  }

  /** A timer that dies with the exchange. */
  later(ms: number, fn: () => void): void {
    this.hold();
    const t = setTimeout(() => {
      this.timers?.delete(t);
      if (!this.finished) fn();
    }, ms);
    (this.timers ??= new Set()).add(t);
  }

  send(status: number, headers: readonly Header[], contentType: string, body: string | Uint8Array): void {
    if (this.finished) return;
    this.res.cork(() => {
      this.head(status, headers, contentType);
      this.res.end(body);
    });
    this.finish();
  }

  /** Status, headers and the first half of the body, then an abrupt close. */
  sendTruncated(status: number, headers: readonly Header[], contentType: string, body: string | Uint8Array): void {
    if (this.finished) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    this.res.cork(() => {
      this.head(status, headers, contentType);
      this.res.write(bytes.subarray(0, bytes.length >> 1));
    });
    this.later(0, () => this.drop());
  }

  stream(status: number, headers: readonly Header[], frames: readonly Frame[], opts: StreamOptions): void {
    if (this.finished) return;
    this.hold();
    let i = 0;
    let contentSent = 0;
    const res = this.res;
    const dropAfter = opts.dropAfter ?? Infinity;
    const stallAfter = opts.stallAfter ?? Infinity;
    const dropSoon = (): void => {
      // Let the corked frames reach the socket first, so the client sees them before the close.
      this.later(0, () => {
        this.drop();
        opts.onEnd('dropped');
      });
    };
    const pump = (): void => {
      if (this.finished) return;
      while (i < frames.length) {
        const frame = frames[i]!;
        if (frame.content && contentSent >= dropAfter) return dropSoon();
        if (frame.content && contentSent >= stallAfter) return; // silent until the client leaves
        i++;
        const ok = res.write(frame.text);
        if (frame.content && ++contentSent >= dropAfter) return dropSoon();
        if (!ok) {
          // uWS buffered the frame; go on once the socket drains.
          opts.onBlocked?.(true);
          res.onWritable(() => {
            opts.onBlocked?.(false);
            if (opts.delayMs > 0) this.later(opts.delayMs, () => res.cork(pump));
            else res.cork(pump);
            return true;
          });
          return;
        }
        if (opts.delayMs > 0 && i < frames.length) return this.later(opts.delayMs, () => res.cork(pump));
      }
      res.end();
      this.finish();
      opts.onEnd('done');
    };
    res.cork(() => {
      this.head(status, headers, opts.contentType ?? 'text/event-stream; charset=utf-8');
      res.writeHeader('cache-control', 'no-cache');
      pump();
    });
  }

  /** Close the TCP connection abruptly, whatever was sent. */
  drop(): void {
    if (this.finished) return;
    this.byUs = true;
    this.finish();
    this.res.close();
  }

  private head(status: number, headers: readonly Header[], contentType: string): void {
    this.res.writeStatus(statusLine(status)).writeHeader('content-type', contentType);
    for (const [k, v] of headers) this.res.writeHeader(k, v);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.open.delete(this);
    if (this.timers) for (const t of this.timers) clearTimeout(t);
    this.timers = undefined;
  }
}

/** Called at arrival, inside the uWS callback; returns what to do with the complete body. */
export type RequestListener = (inc: Incoming, w: Writer) => (body: Buffer) => void;

export interface HttpServer {
  port: number;
  close(): void;
}

const EMPTY = Buffer.alloc(0);

export function listen(opts: {
  host: string;
  port: number;
  routes: readonly Route[];
  /** Headers read into `Incoming.headers` when `allHeaders` is false. */
  headerNames: readonly string[];
  /** Read every header (recording). */
  allHeaders: boolean;
  onRequest: RequestListener;
}): Promise<HttpServer> {
  const app = uWS.App();
  const open = new Set<Writer>();

  const handle = (res: uWS.HttpResponse, req: uWS.HttpRequest, route: Route | undefined, method: string, hasParam: boolean): void => {
    const headers: Record<string, string> = {};
    if (opts.allHeaders) req.forEach((k, v) => (headers[k] = v));
    else for (const name of opts.headerNames) {
      const v = req.getHeader(name);
      if (v) headers[name] = v;
    }
    const inc: Incoming = { method, path: req.getUrl(), query: req.getQuery() ?? '', route, param: hasParam ? req.getParameter(0) : '', headers };
    const w = new Writer(res, open);
    const onBody = opts.onRequest(inc, w);
    if (method === 'GET' || method === 'HEAD') {
      onBody(EMPTY);
      return;
    }
    let chunks: Buffer[] | undefined;
    res.onData((ab, isLast) => {
      // uWS neuters the ArrayBuffer when this callback returns: copy it (into Node's pool, far cheaper than ab.slice).
      const chunk = Buffer.from(new Uint8Array(ab));
      if (!isLast) {
        (chunks ??= []).push(chunk);
        return;
      }
      const body = chunks ? Buffer.concat([...chunks, chunk]) : chunk;
      // onData runs corked already.
      onBody(body);
    });
  };

  for (const route of opts.routes) {
    const hasParam = route.pattern.includes('/:');
    const method = route.method.toUpperCase();
    app[route.method](route.pattern, (res, req) => handle(res, req, route, method, hasParam));
  }
  app.any('/*', (res, req) => handle(res, req, undefined, req.getCaseSensitiveMethod().toUpperCase(), false));

  return new Promise((resolve, reject) => {
    app.listen(opts.host, opts.port, (socket) => {
      if (!socket) {
        reject(new Error(`fake-provider: cannot listen on ${opts.host}:${opts.port}`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(socket),
        close() {
          uWS.us_listen_socket_close(socket);
          for (const w of [...open]) w.drop();
          // Not in the typings of this build, but present: closes idle keep-alive connections too.
          (app as unknown as { close?: () => void }).close?.();
        },
      });
    });
  });
}
