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
  /** The gateway's own error message on the socket (a bad event, a bad `stream_id`). */
  errorMessage(err: GatewayError): string;
  /** A socket with no response running and no message for this long is closed (1000). */
  idleTimeoutS: number;
  /** Largest message accepted (uWS closes with 1009 beyond it). */
  maxPayloadBytes: number;
  /** Most sockets open at once (0: no bound); an upgrade beyond it is refused. */
  maxConnections: number;
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

/** Responses running at once on one socket, over all its streams (OpenAI's bound); more wait their turn. */
const MAX_IN_FLIGHT = 16;
/** Distinct named `stream_id`s one socket may use (OpenAI's bound; the default stream not counted). */
const MAX_NAMED_STREAMS = 32;
/** `response.create` events waiting to start on one socket, beyond which one is refused. */
const MAX_WAITING = 256;
const STREAM_ID = /^[A-Za-z0-9_.-]{1,256}$/;

/** A `response.create` waiting for its stream (`lane`, '' for the default one) or a free slot. */
interface Waiting {
  lane: string;
  body: Record<string, unknown>;
}

/**
 * One socket, multiplexed by `stream_id` as OpenAI's WebSocket mode is: responses on one
 * stream run one after the other, in the order sent (a create on a busy stream waits);
 * responses on different streams run at once, at most MAX_IN_FLIGHT. Each response is a
 * request through the same handler as HTTP; the events of a named stream carry its `stream_id`.
 */
class Connection {
  /** The response running on each stream. */
  private readonly running = new Map<string, WsSink>();
  private readonly waiting: Waiting[] = [];
  private readonly named = new Set<string>();
  private idle: NodeJS.Timeout | null = null;
  private closingAfterResponses = false;
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
      return this.refuse(Errors.invalidWsEvent('not JSON'), '');
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return this.refuse(Errors.invalidWsEvent('not a JSON object'), '');
    const { type, response, stream_id: streamId, ...fields } = event as Record<string, unknown>;
    if (type !== 'response.create') return this.refuse(Errors.invalidWsEvent(`unknown type ${JSON.stringify(type)}; the gateway takes response.create`), '');
    // The same fields as the POST body (also accepted nested under `response`); `stream_id` is
    // the socket's own business and never reaches the pipeline (nor any upstream).
    const nested = typeof response === 'object' && response !== null ? { ...(response as Record<string, unknown>) } : null;
    const id = streamId ?? nested?.stream_id ?? null;
    if (nested) delete nested.stream_id;
    if (id !== null && (typeof id !== 'string' || !STREAM_ID.test(id))) return this.refuse(Errors.invalidStreamId(), '');
    const lane = id ?? '';
    if (lane !== '' && !this.named.has(lane)) {
      if (this.named.size >= MAX_NAMED_STREAMS) return this.refuse(Errors.streamLimitReached(MAX_NAMED_STREAMS), lane);
      this.named.add(lane);
    }
    // Draining: the socket closes once its running responses are over; nothing new starts.
    if (this.closingAfterResponses) return this.refuse(Errors.shuttingDown(), lane);
    if (this.waiting.length >= MAX_WAITING) return this.refuse(Errors.wsQueueFull(MAX_WAITING), lane);
    this.waiting.push({ lane, body: { ...(nested ?? fields), stream: true } });
    this.pump();
  }

  onDrain(): void {
    const waiters = this.state.drainWaiters;
    this.state.drainWaiters = [];
    for (const w of waiters) w();
  }

  onClose(): void {
    this.state.ws = null;
    this.clearIdle();
    this.waiting.length = 0;
    for (const sink of [...this.running.values()]) sink.markAborted();
    this.onGone(this);
  }

  /** Close now when idle; else once the running responses are over (those still waiting never start). */
  goAway(): void {
    this.waiting.length = 0;
    if (this.running.size > 0) this.closingAfterResponses = true;
    else this.close(WS_CLOSE.goingAway, 'server shutting down');
  }

  /** Start what may start, in the order sent: a free stream, a free slot. */
  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running.size < MAX_IN_FLIGHT && this.state.ws; ) {
      const w = this.waiting[i]!;
      if (this.running.has(w.lane)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.start(w);
    }
  }

  private start({ lane, body }: Waiting): void {
    const sink = new WsSink(this.state, (s) => this.ended(s), lane);
    this.running.set(lane, sink);
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

  private ended(sink: WsSink): void {
    if (this.running.get(sink.lane) !== sink) return;
    this.running.delete(sink.lane);
    if (!this.state.ws) return;
    // The key was refused (revoked or expired since the upgrade): the socket is of no more use.
    if (sink.status === 401 || sink.status === 403) return this.close(WS_CLOSE.policy, 'API key refused');
    if (this.closingAfterResponses) {
      if (this.running.size === 0) this.close(WS_CLOSE.goingAway, 'server shutting down');
      return;
    }
    this.pump();
    if (this.running.size === 0 && this.waiting.length === 0) this.armIdle();
  }

  /** An error message for an event that starts nothing (on its stream when it named a valid one). */
  private refuse(err: GatewayError, lane: string): void {
    const ws = this.state.ws;
    const msg = this.opts.errorMessage(err);
    const tagged = lane === '' ? msg : `{"stream_id":${JSON.stringify(lane)},${msg.slice(1)}`;
    if (ws) ws.cork(() => ws.send(tagged, false));
    if (this.running.size === 0 && this.waiting.length === 0) this.armIdle();
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
      const full = () => opts.maxConnections > 0 && open.size >= opts.maxConnections;
      if (full()) {
        const err = Errors.tooManyWebSockets(opts.maxConnections);
        return refuseUpgrade(res, err, opts.refused(upgrade, err));
      }
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void opts.authorize(headers).then((authErr) => {
        if (aborted) return;
        // Checked again: other upgrades may have opened while this one's key was checked.
        const err = authErr ?? (full() ? Errors.tooManyWebSockets(opts.maxConnections) : null);
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
