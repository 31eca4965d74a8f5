import type tls from 'node:tls';
import type { UpstreamAgent, UpstreamDispatchOptions, UpstreamHandler } from '../dispatcher.js';
import { agentClosed, agentDestroyed } from './errors.js';
import { Pool } from './pool.js';
import type { ProxySettings } from './proxy-settings.js';
import { H1Request } from './request.js';
import { serializeRequest } from './write-request.js';

export interface H1AgentOptions {
  /** TCP connect, and the TLS handshake for https. */
  connectTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (sooner when the server says so). */
  keepAliveMs: number;
  /** Largest response head (and trailer section), in bytes. Default 64 KiB. */
  maxHeaderSize?: number;
  /** Most connections open at once to one origin; more requests wait for one (FIFO). 0 or unset: no bound. */
  maxConnectionsPerOrigin?: number;
  /** Extra options for https origins, e.g. a test's `ca`. */
  tls?: tls.ConnectionOptions;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read at boot. */
  proxy?: ProxySettings | null;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * A lean HTTP/1.1 client with undici's dispatch contract (the subset in `dispatcher.ts`): a
 * keep-alive pool per origin with as many connections as requests in flight, up to a bound
 * (then requests wait for one, first in first out). It does what the
 * gateway needs and no more: buffered request bodies, one request per connection at a time,
 * responses streamed with backpressure. A request is written at most once: an idle socket is
 * checked before it is reused (Pool.send), and a request whose socket dies once it was written
 * fails with the socket's error rather than being sent again (Connection.atEnd).
 */
export class H1Agent implements UpstreamAgent {
  private readonly pools = new Map<string, Pool>();
  private inFlight = 0;
  private state: 'open' | 'closing' | 'destroyed' = 'open';
  private drained: Promise<void> | null = null;
  private onDrained: (() => void) | null = null;
  private readonly settled = (): void => {
    if (--this.inFlight === 0 && this.onDrained) this.onDrained();
  };

  constructor(private readonly opts: H1AgentOptions) {}

  dispatch(options: UpstreamDispatchOptions, handler: UpstreamHandler): boolean {
    this.inFlight++;
    const req = new H1Request(options, handler, NO_BYTES, this.settled);
    let pool: Pool;
    try {
      if (this.state !== 'open') throw this.state === 'closing' ? agentClosed() : agentDestroyed();
      pool = this.pool(options.origin);
      req.wire = serializeRequest(options, pool.host);
    } catch (e) {
      // As undici: a request refused before it starts gets onResponseError only.
      req.fail(e as Error);
      return false;
    }
    try {
      handler.onRequestStart?.(req, undefined);
    } catch (e) {
      req.abort(e as Error);
    }
    if (req.done) return false;
    try {
      pool.send(req);
    } catch (e) {
      req.abort(e as Error);
      return false;
    }
    return true;
  }

  /** Wait for the requests in flight, then close every connection. */
  close(): Promise<void> {
    if (this.state === 'open') this.state = 'closing';
    for (const p of this.pools.values()) p.close();
    this.drained ??= new Promise<void>((resolve) => {
      this.onDrained = () => {
        for (const p of this.pools.values()) p.close();
        resolve();
      };
      if (this.inFlight === 0) this.onDrained();
    });
    return this.drained;
  }

  /** Abort the requests in flight and close every connection now. */
  destroy(): Promise<void> {
    this.state = 'destroyed';
    const err = agentDestroyed();
    for (const p of this.pools.values()) p.destroy(err);
    this.pools.clear();
    this.onDrained?.();
    return Promise.resolve();
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (p === undefined) {
      p = new Pool(origin, {
        connectTimeoutMs: this.opts.connectTimeoutMs,
        keepAliveMs: this.opts.keepAliveMs,
        maxHeaderSize: this.opts.maxHeaderSize ?? 64 * 1_024,
        maxConnections: this.opts.maxConnectionsPerOrigin ?? 0,
        tls: this.opts.tls,
        proxy: this.opts.proxy,
      });
      this.pools.set(origin, p);
    }
    return p;
  }
}
