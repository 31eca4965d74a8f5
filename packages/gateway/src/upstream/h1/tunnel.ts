import net from 'node:net';
import { arm, release, type Tier, type Timed } from '../../deadlines.js';
import { ProxyError, proxyConnectTimeout, proxyFailed, proxyRefused } from './errors.js';
import type { ProxyEndpoint } from './proxy-settings.js';
import type { H1Request, RequestCarrier } from './request.js';

/** What a tunnel needs from its pool. */
export interface TunnelOwner {
  readonly origin: string;
  readonly connectTimeoutMs: number;
  /** The tunnel is open: `socket` reaches the upstream; `remainingMs` is left of the connect timeout (0: none). */
  tunnelled(t: Tunnel, socket: net.Socket, remainingMs: number): void;
  /** The tunnel failed or its request gave up: its slot is free. */
  tunnelGone(t: Tunnel): void;
}

/** Longest answer to CONNECT we read (its head; a refusal's body is never read). */
const MAX_ANSWER = 16 * 1_024;
const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;
const noop = (): void => {};

/**
 * A tunnel through an HTTP proxy to one upstream, opened for one request: TCP to the proxy,
 * `CONNECT host:port` (with Proxy-Authorization when the proxy URL has credentials), its
 * answer read. On 200 the socket goes to the pool, which starts TLS in it for an https
 * upstream; the connect timeout covers all of it. Carries its request meanwhile: an abort
 * closes the tunnel, as it closes a connection still connecting. The socket is read in
 * flowing mode and handed over within the same turn, so no byte is lost between the two.
 */
export class Tunnel implements Timed, RequestCarrier {
  deadline = 0;
  tier: Tier | null = null;
  slot = -1;
  private readonly socket: net.Socket;
  private head: Buffer | null = null;
  private over = false;

  constructor(
    private readonly owner: TunnelOwner,
    readonly req: H1Request,
    private readonly proxy: ProxyEndpoint,
    /** The upstream, `host:port` (an IPv6 address in brackets). */
    private readonly authority: string,
    socketOptions: Omit<net.TcpNetConnectOpts, 'port'>,
  ) {
    req.conn = this;
    this.socket = net.connect({ ...socketOptions, host: proxy.hostname, port: proxy.port });
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    const auth = proxy.authorization !== null ? `proxy-authorization: ${proxy.authorization}\r\n` : '';
    // Queued by net until connected.
    this.socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n${auth}\r\n`, 'latin1');
    arm(this, owner.connectTimeoutMs);
  }

  drop(req: H1Request): void {
    if (req === this.req) this.end(null);
  }

  /** Nothing is read for the request before its connection exists. */
  pause(): void {}
  resume(): void {}

  /** Fail the request with `err` and close the tunnel. */
  fail(err: Error): void {
    this.end(err);
  }

  onDeadline(): void {
    this.end(proxyConnectTimeout(this.owner.origin, this.proxy.display, this.owner.connectTimeoutMs));
  }

  private readonly onData = (buf: Buffer): void => {
    const head = this.head === null ? buf : Buffer.concat([this.head, buf]);
    const end = head.indexOf(CRLF2);
    if (end === -1) {
      if (head.length > MAX_ANSWER) this.end(new ProxyError(this.proxy.display, 'its answer to CONNECT is too long', this.authority));
      else this.head = head;
      return;
    }
    const status = STATUS_LINE.exec(head.toString('latin1', 0, Math.min(end, 64)));
    if (status === null) return this.end(new ProxyError(this.proxy.display, 'its answer to CONNECT is not HTTP/1.1', this.authority));
    const code = Number(status[1]);
    if (code !== 200) return this.end(proxyRefused(this.proxy.display, this.authority, code));
    // The upstream never speaks first (neither TLS nor HTTP/1.1 does): bytes here are the proxy's.
    if (end + 4 !== head.length) return this.end(new ProxyError(this.proxy.display, 'it sent bytes after its answer to CONNECT', this.authority));
    this.open();
  };

  private readonly onError = (err: Error): void => {
    this.end(proxyFailed(this.proxy.display, this.authority, err));
  };

  private readonly onClose = (): void => {
    this.end(new ProxyError(this.proxy.display, 'it closed the connection before answering CONNECT', this.authority));
  };

  /** Hand the open tunnel to the pool. */
  private open(): void {
    this.over = true;
    // 0: no connect timeout, for the TLS handshake either.
    const remaining = this.deadline === 0 ? 0 : Math.max(1, this.deadline - performance.now());
    release(this);
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('error', this.onError);
    // Whoever takes the socket listens for its errors (a TLS socket reports them itself).
    this.socket.on('error', noop);
    this.req.conn = null;
    this.owner.tunnelled(this, this.socket, remaining);
  }

  /** Close the tunnel; fail the request with `err` unless null (it gave up itself). */
  private end(err: Error | null): void {
    if (this.over) return;
    this.over = true;
    release(this);
    this.head = null;
    this.socket.destroy();
    if (this.req.conn === this) this.req.conn = null;
    this.owner.tunnelGone(this);
    if (err !== null) this.req.fail(err);
  }
}
