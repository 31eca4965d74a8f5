import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_socket_context_t } from 'uWebSockets.js';
import { Errors, type GatewayError } from '../errors/catalog.js';
import { statusLine } from './status-line.js';
import type { GatewayRequest, ResponseSink } from './types.js';
import { WsSink, type WsSocketState } from './ws-sink.js';

/**
 * WebSocket close codes the gateway uses (RFC 6455 §7.4.1). uWS itself closes with 1009 a
 * message over `maxPayloadLength`.
 */
const WS_CLOSE = { normal: 1000, goingAway: 1001, unsupportedData: 1003, policy: 1008, internal: 1011 } as const;

export interface WebSocketOptions {
  /** Which paths take an upgrade (the Responses API's). */
  accepts(path: string): boolean;
  /** The upgrade checked before the socket opens (draining, origin, key); the error refuses it as an HTTP answer. */
  authorize(headers: Record<string, string>): Promise<GatewayError | null>;
  /** A refused upgrade, observed like any refused request (access line, metrics); returns its request id and JSON body. */
  refused(upgrade: RefusedUpgrade, err: GatewayError): { reqId: string; body: string };
  /** The gateway's own error message on the socket (a bad event, a response already running). */
  errorMessage(err: GatewayError): string;
  /** A socket with no response running and no message for this long is closed (1000). */
  idleTimeoutS: number;
  /** Largest message accepted (uWS closes with 1009 beyond it). */
  maxPayloadBytes: number;
}

type RequestHandler = (req: GatewayRequest, res: ResponseSink) => void;

/** What is known of an upgrade the gateway refused. */
interface RefusedUpgrade {
  path: string;
  /** The client's `x-request-id`, if it sent one. */
  requestId: string | undefined;
  /** performance.now() when the upgrade request arrived. */
  receivedAt: number;
}

/** Headers of the upgrade that are about the socket, not the requests made on it. */
const SOCKET_HEADERS = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'content-length', 'x-request-id']);

interface SocketData {
  path: string;
  query: string;
  headers: Record<string, string>;
  conn?: Connection;
}

/** The open sockets of a listener, closed with 1001 when it stops. */
export interface WebSocketRegistry {
  closeAll(): void;
}

/** One socket: at most one response at a time, each a request through the same handler as HTTP. */
class Connection {
  private current: WsSink | null = null;
  private idle: NodeJS.Timeout | null = null;
  private closingAfterResponse = false;
  readonly state: WsSocketState;

  constructor(
    ws: WebSocket<SocketData>,
    private readonly data: SocketData,
    private readonly handler: RequestHandler,
    private readonly opts: WebSocketOptions,
    private readonly onGone: (c: Connection) => void,
  ) {
    this.state = { ws, drainWaiters: [], memory: { responses: new Map() } };
    this.armIdle();
  }

  onMessage(message: ArrayBuffer, isBinary: boolean): void {
    this.clearIdle();
    if (isBinary) return this.close(WS_CLOSE.unsupportedData, 'binary messages are not supported; send response.create as JSON text');
    // The ArrayBuffer is neutered after this callback: decoded now.
    const text = Buffer.from(message).toString('utf8');
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return this.refuse(Errors.invalidWsEvent('not JSON'));
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return this.refuse(Errors.invalidWsEvent('not a JSON object'));
    const { type, response, ...fields } = event as Record<string, unknown>;
    if (type !== 'response.create') return this.refuse(Errors.invalidWsEvent(`unknown type ${JSON.stringify(type)}; the gateway takes response.create`));
    if (this.current) return this.refuse(Errors.responseInProgress());
    // The same fields as the POST body (also accepted nested under `response`), always streamed back.
    const body = { ...(typeof response === 'object' && response !== null ? response : fields), stream: true };
    const sink = new WsSink(this.state, (s) => this.ended(s));
    this.current = sink;
    const req: GatewayRequest = {
      method: 'POST',
      path: this.data.path,
      query: this.data.query,
      headers: { ...this.data.headers, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
      receivedAt: performance.now(),
      transport: 'websocket',
    };
    try {
      this.handler(req, sink);
    } catch {
      this.close(WS_CLOSE.internal, 'internal error');
    }
  }

  onDrain(): void {
    const waiters = this.state.drainWaiters;
    this.state.drainWaiters = [];
    for (const w of waiters) w();
  }

  onClose(): void {
    this.state.ws = null;
    this.clearIdle();
    this.current?.markAborted();
    this.onGone(this);
  }

  /** Close now when idle; else once the running response is over. */
  goAway(): void {
    if (this.current) this.closingAfterResponse = true;
    else this.close(WS_CLOSE.goingAway, 'server shutting down');
  }

  private ended(sink: WsSink): void {
    if (this.current !== sink) return;
    this.current = null;
    if (!this.state.ws) return;
    if (this.closingAfterResponse) return this.close(WS_CLOSE.goingAway, 'server shutting down');
    // The key was refused (revoked or expired since the upgrade): the socket is of no more use.
    if (sink.status === 401 || sink.status === 403) return this.close(WS_CLOSE.policy, 'API key refused');
    this.armIdle();
  }

  private refuse(err: GatewayError): void {
    const ws = this.state.ws;
    if (ws) ws.cork(() => ws.send(this.opts.errorMessage(err), false));
    if (!this.current) this.armIdle();
  }

  private close(code: number, reason: string): void {
    const ws = this.state.ws;
    if (ws) ws.end(code, reason);
  }

  private armIdle(): void {
    this.clearIdle();
    this.idle = setTimeout(() => this.close(WS_CLOSE.normal, 'idle timeout'), this.opts.idleTimeoutS * 1000);
    this.idle.unref();
  }

  private clearIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }
}

function refuseUpgrade(res: HttpResponse, err: GatewayError, answer: { reqId: string; body: string }): void {
  res.cork(() => {
    res.writeStatus(statusLine(err.status)).writeHeader('content-type', 'application/json').writeHeader('x-request-id', answer.reqId).end(answer.body, true);
  });
}

/**
 * The Responses API's WebSocket mode on `app`: an upgrade on an accepted path with a valid key
 * opens a socket; each `response.create` on it runs through `handler` exactly as a POST would
 * (auth, limits, budgets, usage), its events sent back as messages.
 */
export function attachWebSockets(app: TemplatedApp, opts: WebSocketOptions, handler: RequestHandler): WebSocketRegistry {
  const open = new Set<Connection>();
  app.ws<SocketData>('/*', {
    maxPayloadLength: opts.maxPayloadBytes,
    // Dead peers are found by uWS's pings; a quiet but live client is closed by the connection's own idle timer.
    idleTimeout: 120,
    sendPingsAutomatically: true,
    maxBackpressure: 16 * 1024 * 1024,
    upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
      // HttpRequest dies with this callback: everything is copied out first.
      const receivedAt = performance.now();
      const path = req.getUrl();
      const query = req.getQuery() ?? '';
      const headers: Record<string, string> = {};
      req.forEach((k, v) => {
        if (!SOCKET_HEADERS.has(k)) headers[k] = v;
      });
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const upgrade: RefusedUpgrade = { path, requestId: req.getHeader('x-request-id') || undefined, receivedAt };
      if (!opts.accepts(path)) {
        const err = Errors.routeNotFound('GET', path);
        return refuseUpgrade(res, err, opts.refused(upgrade, err));
      }
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void opts.authorize(headers).then((err) => {
        if (aborted) return;
        if (err) return refuseUpgrade(res, err, opts.refused(upgrade, err));
        res.cork(() => res.upgrade<SocketData>({ path, query, headers }, key, protocol, extensions, context));
      });
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.conn = new Connection(ws, data, handler, opts, (c) => open.delete(c));
      open.add(data.conn);
    },
    message: (ws, message, isBinary) => ws.getUserData().conn?.onMessage(message, isBinary),
    drain: (ws) => ws.getUserData().conn?.onDrain(),
    close: (ws) => ws.getUserData().conn?.onClose(),
  });
  return {
    closeAll: () => {
      for (const c of open) c.goAway();
    },
  };
}
