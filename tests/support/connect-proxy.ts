// What stands between the gateway and an upstream on a corporate network, for tests: a small
// HTTP CONNECT proxy (node:http), and a TLS front that terminates TLS for a plain server (so a
// fake provider can be an https upstream with any certificate).
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

/** One CONNECT request the proxy read. */
interface ConnectSeen {
  /** The request target, `host:port`. */
  authority: string;
  headers: http.IncomingHttpHeaders;
  /** What the proxy answered. */
  status: number;
}

export interface ConnectProxy {
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every CONNECT, in order. */
  connects: ConnectSeen[];
  /** Requests that were not CONNECT (absolute-form), as `METHOD target`. */
  plain: string[];
  /** Tunnels open right now, and the most open at once. */
  open: number;
  maxOpen: number;
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** `user:pass` the proxy demands in Proxy-Authorization: Basic (407 without it). */
  auth?: string;
  /** Answer this status instead of opening the tunnel. */
  refuse?: (authority: string) => number | null;
}

/**
 * A CONNECT proxy on 127.0.0.1, port 0: checks Basic auth when asked, opens a TCP tunnel to
 * the authority (`localhost` is 127.0.0.1), answers 502 when it cannot.
 */
export async function startConnectProxy(opts: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const sockets = new Set<net.Socket>();
  const state = { open: 0, maxOpen: 0 };
  const connects: ConnectSeen[] = [];
  const plain: string[] = [];
  const server = http.createServer((req, res) => {
    plain.push(`${req.method} ${req.url}`);
    res.writeHead(405, { connection: 'close' }).end();
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    client.on('error', () => {});
    const authority = req.url ?? '';
    const seen: ConnectSeen = { authority, headers: req.headers, status: 0 };
    connects.push(seen);
    const answer = (status: number, extra = '') => {
      seen.status = status;
      client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${extra}content-length: 0\r\n\r\n`);
    };
    if (opts.auth !== undefined && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(opts.auth).toString('base64')}`) {
      return answer(407, 'proxy-authenticate: Basic realm="test"\r\n');
    }
    const refused = opts.refuse?.(authority) ?? null;
    if (refused !== null) return answer(refused);
    const i = authority.lastIndexOf(':');
    const host = authority.slice(0, i).replace(/^\[|\]$/g, '');
    const upstream = net.connect({ host: host === 'localhost' ? '127.0.0.1' : host, port: Number(authority.slice(i + 1)) });
    sockets.add(upstream);
    upstream.on('error', () => (seen.status === 0 ? answer(502) : client.destroy()));
    upstream.on('connect', () => {
      seen.status = 200;
      state.open++;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('close', () => {
      if (seen.status === 200) state.open--;
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connects,
    plain,
    get open() {
      return state.open;
    },
    get maxOpen() {
      return state.maxOpen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TlsFront {
  port: number;
  close(): Promise<void>;
}

/** A TLS server on 127.0.0.1 presenting `pair`, passing each connection's bytes to `targetPort`. */
export async function startTlsFront(pair: { key: string; cert: string }, targetPort: number): Promise<TlsFront> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ ...pair, ALPNProtocols: ['http/1.1'] }, (c) => {
    const u = net.connect(targetPort, '127.0.0.1');
    for (const s of [c, u]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        c.destroy();
        u.destroy();
      });
    }
    c.pipe(u).pipe(c);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
