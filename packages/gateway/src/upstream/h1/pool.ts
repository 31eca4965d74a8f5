import net from 'node:net';
import tls from 'node:tls';
import { Connection, type ConnectionOwner, type ReadInto } from './connection.js';
import { agentDestroyed, invalidArgument, noFreeConnection } from './errors.js';
import { proxyFor, type ProxyEndpoint, type ProxySettings } from './proxy-settings.js';
import type { H1Request } from './request.js';
import { Tunnel, type TunnelOwner } from './tunnel.js';
import { WaitQueue } from './wait-queue.js';

export interface PoolOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  maxHeaderSize: number;
  /** Most connections open at once (0 = no bound); requests beyond them wait, first in first out. */
  maxConnections: number;
  /** Extra options for https origins (a test's `ca`, say). */
  tls?: tls.ConnectionOptions | undefined;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY: whether this origin goes through a proxy. */
  proxy?: ProxySettings | null | undefined;
}

/** TCP keep-alive probes on upstream sockets (as undici sets them), so a dead peer is noticed. */
const SOCKET_OPTIONS = { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 } as const;
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
 * http/1.1 and the last TLS session resumed. Behind a proxy (chosen once, for the origin) each
 * connection starts as a CONNECT tunnel (tunnel.ts), TLS inside it for https, then is pooled
 * like any other: the pool is per (proxy, origin).
 */
export class Pool implements ConnectionOwner, TunnelOwner {
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
  /** Tunnels being opened: each holds a connection slot. */
  private readonly tunnels = new Set<Tunnel>();
  private readonly maxConnections: number;
  private readonly waiting: WaitQueue;
  private readonly proxy: ProxyEndpoint | null;
  /** `host:port` of the upstream, as CONNECT names it. */
  private readonly authority: string;

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
    this.proxy = opts.proxy ? proxyFor(opts.proxy, this.secure, this.hostname, this.port) : null;
    this.authority = `${url.hostname}:${this.port}`;
  }

  /** Connections open or being opened (tunnels included). */
  private get size(): number {
    return this.conns.size + this.tunnels.size;
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
      if (this.maxConnections === 0 || this.size < this.maxConnections) this.start(req);
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
    while (this.size < this.maxConnections && (req = this.waiting.shift()) !== null) this.start(req);
  }

  tunnelled(t: Tunnel, socket: net.Socket, remainingMs: number): void {
    this.tunnels.delete(t);
    let conn: Connection;
    if (this.secure) {
      const tlsSocket = this.tlsConnect({ socket });
      // The TLS socket owns the TCP one now; make sure it goes with it.
      tlsSocket.once('close', () => socket.destroy());
      conn = new Connection(tlsSocket, this, 'secureConnect', remainingMs);
    } else {
      conn = new Connection(socket, this, null);
    }
    this.conns.add(conn);
    conn.send(t.req);
  }

  tunnelGone(t: Tunnel): void {
    this.tunnels.delete(t);
    if (!this.waiting.empty) this.serveWaiting();
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
    for (const t of [...this.tunnels]) t.fail(err);
    this.waiting.failAll(err);
  }

  /** A new connection for `req`: direct, or through the proxy's tunnel. */
  private start(req: H1Request): void {
    if (this.proxy !== null) {
      this.tunnels.add(new Tunnel(this, req, this.proxy, this.authority, SOCKET_OPTIONS));
      return;
    }
    const host = this.hostname;
    const port = this.port;
    const conn = this.secure
      ? new Connection((onread: ReadInto) => this.tlsConnect({ ...SOCKET_OPTIONS, host, port, onread }), this, 'secureConnect')
      : new Connection((onread: ReadInto) => net.connect({ ...SOCKET_OPTIONS, host, port, onread }), this, 'connect');
    this.conns.add(conn);
    conn.send(req);
  }

  /** TLS to the upstream, over a new TCP connection or in a proxy's tunnel (`socket`). */
  private tlsConnect(over: net.TcpNetConnectOpts | { socket: net.Socket }): tls.TLSSocket {
    const socket = tls.connect({
      ...over,
      ...(net.isIP(this.hostname) === 0 ? { servername: this.hostname } : {}),
      ALPNProtocols: ['http/1.1'],
      session: this.session,
      ...this.tlsOptions,
    });
    socket.on('session', (s: Buffer) => (this.session = s));
    return socket;
  }
}
