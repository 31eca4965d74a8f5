import net from 'node:net';
import tls from 'node:tls';
import { Connection, type ConnectionOwner } from './connection.js';
import { agentDestroyed, invalidArgument, noFreeConnection } from './errors.js';
import type { H1Request } from './request.js';
import { WaitQueue } from './wait-queue.js';

export interface PoolOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  maxHeaderSize: number;
  /** Most connections open at once (0 = no bound); requests beyond them wait, first in first out. */
  maxConnections: number;
  /** Extra options for https origins (a test's `ca`, say). */
  tls?: tls.ConnectionOptions | undefined;
}

/** TCP keep-alive probes on upstream sockets (as undici sets them), so a dead peer is noticed. */
const TCP_KEEPALIVE_DELAY_MS = 60_000;
/**
 * A connection idle at least this long is checked before reuse (see send). One back in use
 * sooner is reused at once: no server's idle timer is that short, and busy pools pay nothing.
 */
const IDLE_CHECK_AFTER_MS = 100;

/**
 * The connections to one origin: as many as there are requests in flight, up to
 * `maxConnections` (no pipelining), idle ones reused last-in first-out so that the fewest stay
 * warm. At the bound a request waits in a FIFO queue and takes the first connection whose
 * response is over, or the slot of one that closed. https goes through node:tls with SNI, ALPN
 * http/1.1 and the last TLS session resumed.
 */
export class Pool implements ConnectionOwner {
  /** The Host header. */
  readonly host: string;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly maxHeaderSize: number;
  /** New connections are closed once their response is over. */
  closing = false;
  destroyed = false;
  private readonly hostname: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private session: Buffer | undefined;
  private readonly idleConns: Connection[] = [];
  private readonly conns = new Set<Connection>();
  private readonly maxConnections: number;
  private readonly waiting: WaitQueue;

  constructor(
    readonly origin: string,
    opts: PoolOptions,
  ) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw invalidArgument(`invalid upstream origin ${JSON.stringify(origin)}`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.username || url.password) {
      throw invalidArgument(`invalid upstream origin ${JSON.stringify(origin)}`);
    }
    this.secure = url.protocol === 'https:';
    this.host = url.host;
    this.hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port ? Number(url.port) : this.secure ? 443 : 80;
    this.connectTimeoutMs = opts.connectTimeoutMs;
    this.keepAliveMs = opts.keepAliveMs;
    this.maxHeaderSize = opts.maxHeaderSize;
    this.tlsOptions = opts.tls;
    this.maxConnections = opts.maxConnections;
    this.waiting = new WaitQueue((ms) => noFreeConnection(origin, opts.maxConnections, ms));
  }

  /**
   * Write `req` on an idle connection, or a new one. A connection idle for a while may have
   * been closed by the server's idle timer a moment ago, its FIN (or a reset, or stray bytes)
   * not read yet: before it is reused, the event loop reads what reached it (undici does the
   * same), so a request is never written into a connection already known dead. That is the one
   * case where it is certain the upstream saw nothing, and the request takes another connection.
   */
  send(req: H1Request): void {
    let conn: Connection | undefined;
    while ((conn = this.idleConns.pop()) !== undefined && !conn.usable) conn.close();
    if (conn === undefined) {
      if (this.maxConnections === 0 || this.conns.size < this.maxConnections) this.open().send(req);
      else this.waiting.push(req);
    } else if (performance.now() - conn.idleSince < IDLE_CHECK_AFTER_MS) conn.send(req);
    // The first immediate runs after this turn's poll phase, which may already have passed;
    // the second runs after the next one, which reads whatever reached the socket by then.
    else setImmediate(this.checkSoon, conn, req);
  }

  private readonly checkSoon = (conn: Connection, req: H1Request): void => void setImmediate(this.sendChecked, conn, req);

  /** Two turns after send() picked an idle `conn` for `req`. */
  private readonly sendChecked = (conn: Connection, req: H1Request): void => {
    if (req.done) {
      // Aborted meanwhile: the connection goes back unused.
      if (conn.usable) this.release(conn);
      return;
    }
    if (this.destroyed) {
      conn.close();
      return req.fail(agentDestroyed());
    }
    // Called from an immediate: whatever goes wrong goes to the request.
    try {
      if (conn.usable) conn.send(req);
      else this.send(req);
    } catch (e) {
      req.fail(e as Error);
    }
  };

  release(conn: Connection): void {
    // Fresh from a response: no check before reuse. Handed on even while closing, since the
    // request waiting is in flight and close() waits for it.
    const next = this.waiting.shift();
    if (next !== null) conn.send(next);
    else if (this.closing) conn.close();
    else this.idleConns.push(conn);
  }

  forget(conn: Connection): void {
    this.conns.delete(conn);
    const i = this.idleConns.lastIndexOf(conn);
    if (i !== -1) this.idleConns.splice(i, 1);
    if (!this.waiting.empty) this.serveWaiting();
  }

  /** A connection slot came free: the requests that waited longest take new connections. */
  private serveWaiting(): void {
    if (this.destroyed) return;
    let req: H1Request | null;
    while (this.conns.size < this.maxConnections && (req = this.waiting.shift()) !== null) this.open().send(req);
  }

  /** Close the idle connections; busy ones close when their response is over. */
  close(): void {
    this.closing = true;
    for (const c of this.idleConns.splice(0)) c.close();
  }

  /** Fail every request in flight with `err` and close every connection. */
  destroy(err: Error): void {
    this.closing = this.destroyed = true;
    this.idleConns.length = 0;
    for (const c of [...this.conns]) c.fail(err);
    this.waiting.failAll(err);
  }

  private open(): Connection {
    const common = { host: this.hostname, port: this.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_DELAY_MS };
    let conn: Connection;
    if (this.secure) {
      const socket = tls.connect({
        ...common,
        ...(net.isIP(this.hostname) === 0 ? { servername: this.hostname } : {}),
        ALPNProtocols: ['http/1.1'],
        session: this.session,
        ...this.tlsOptions,
      });
      socket.on('session', (s: Buffer) => (this.session = s));
      conn = new Connection(socket, this, 'secureConnect');
    } else {
      conn = new Connection(net.connect(common), this, 'connect');
    }
    this.conns.add(conn);
    return conn;
  }
}
