import type tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { type AgentOverrides, blackhole, CLIENTS, closedPort, mapped, ok, options, record, selfSignedCert, silentServer, until, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';

// The same cases against our HTTP/1.1 client and undici's Agent (the fallback), both built the
// way the gateway builds them, against real loopback servers. Where the two clients differ on
// purpose, the case says so. The cases are split by theme: conformance-{framing,connections,flow}.
// Here: timeouts, the keep-alive pool, close/destroy and TLS.

const fx = useH1Fixtures();

describe.each(CLIENTS)('upstream HTTP client conformance, connections: %s', (client) => {
  const agent = (o?: AgentOverrides) => fx.agent(client, o);
  const server = fx.server;

  describe('timeouts', () => {
    it('times out waiting for the response head', async () => {
      const s = await server(() => {});
      const t0 = performance.now();
      const r = await record(agent(), options(s.origin, { headersTimeout: 300 }));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
      expect(wellFormed(r)).toBe(true);
      expect(r.events).toEqual(['start', 'error']);
      expect(r.error!.code).toBe('UND_ERR_HEADERS_TIMEOUT');
      expect(mapped(r.error)).toBe('upstream_timeout');
    });

    it('times out when the body goes silent', async () => {
      const s = await server((_q, sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n'));
      const t0 = performance.now();
      const r = await record(agent(), options(s.origin, { bodyTimeout: 300 }));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
      expect(wellFormed(r)).toBe(true);
      expect(r.body.toString()).toBe('abc');
      expect(r.error!.code).toBe('UND_ERR_BODY_TIMEOUT');
      expect(mapped(r.error)).toBe('upstream_timeout');
    });

    it('keeps waiting while the body keeps coming', async () => {
      const s = await server((_q, sock) => {
        sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
        let i = 0;
        const t = setInterval(() => {
          if (i++ < 6) sock.write('1\r\nx\r\n');
          else {
            clearInterval(t);
            sock.write('0\r\n\r\n');
          }
        }, 100);
      });
      const r = await record(agent(), options(s.origin, { bodyTimeout: 400 }));
      expect(r.events.at(-1)).toBe('end');
      expect(r.body.toString()).toBe('xxxxxx');
    });

    it('refuses a connection nobody listens on', async () => {
      const r = await record(agent(), options(`http://127.0.0.1:${await closedPort()}`));
      expect(wellFormed(r)).toBe(true);
      expect(r.error!.code).toBe('ECONNREFUSED');
      expect(mapped(r.error)).toBe('upstream_unreachable');
    });

    it('times out connecting when the TCP handshake never completes', async () => {
      const hole = await blackhole();
      fx.track(hole);
      const t0 = performance.now();
      const r = await record(agent({ connectTimeoutMs: 300 }), options(`http://127.0.0.1:${hole.port}`));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
      expect(wellFormed(r)).toBe(true);
      expect(r.error!.code).toBe('UND_ERR_CONNECT_TIMEOUT');
      expect(mapped(r.error)).toBe('upstream_timeout');
    });

    // The connect timeout covers the TLS handshake too: an https origin on a TCP server that
    // never answers the TLS hello.
    it('times out connecting when the TLS handshake never completes', async () => {
      const s = await silentServer();
      fx.track(s);
      const t0 = performance.now();
      const r = await record(agent({ connectTimeoutMs: 300 }), options(`https://127.0.0.1:${s.port}`));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
      expect(wellFormed(r)).toBe(true);
      expect(r.error!.code).toBe('UND_ERR_CONNECT_TIMEOUT');
      expect(mapped(r.error)).toBe('upstream_timeout');
    });
  });

  describe('connections', () => {
    it('reuses a keep-alive connection', async () => {
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`)));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      expect((await record(a, options(s.origin))).body.toString()).toBe('r1');
      expect(s.sockets).toHaveLength(1);
    });

    it('opens a connection per concurrent request', async () => {
      const s = await server((_q, sock, n) => setTimeout(() => sock.write(ok(`r${n}`)), 30));
      const a = agent();
      const rs = await Promise.all([0, 1, 2].map(() => record(a, options(s.origin))));
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(s.sockets).toHaveLength(3);
    });

    it('honours Connection: close from the server', async () => {
      // The server says close but keeps the socket open: the client must not reuse it.
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`, n === 0 ? 'connection: close\r\n' : '')));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      expect((await record(a, options(s.origin))).body.toString()).toBe('r1');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
      await until(() => s.closed >= 1); // and the client closed it
    });

    it('honours Keep-Alive: timeout from the server (less a margin)', async () => {
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`, n === 0 ? 'keep-alive: timeout=1\r\n' : '')));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      await until(() => s.closed === 1); // 1 s less the margin: not worth keeping
      expect((await record(a, options(s.origin))).body.toString()).toBe('r1');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
    });

    it('notices a keep-alive connection the server closed while idle', async () => {
      const s = await server((_q, sock, n) => {
        sock.write(ok(`r${n}`));
        if (n === 0) setTimeout(() => sock.end(), 10);
      });
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      await until(() => s.closed === 1);
      const r = await record(a, options(s.origin));
      expect(r.body.toString()).toBe('r1');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
    });

    it('closes an idle connection after the keep-alive time', async () => {
      const s = await server((_q, sock) => sock.write(ok('x')));
      await record(agent({ keepAliveMs: 200 }), options(s.origin));
      await until(() => s.closed === 1, 3_000);
    });

    it('does not keep a connection whose Keep-Alive: timeout leaves less than the margin (2 s, as undici)', async () => {
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`, n === 0 ? 'keep-alive: timeout=2\r\n' : '')));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      expect((await record(a, options(s.origin))).body.toString()).toBe('r1');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
    });

    // A request is written once. A connection that dies after the request went out and before
    // a byte of the response came back may have delivered it (a server that read it and then
    // closed looks the same as one whose idle timer fired): it is never sent again, whatever
    // the method; the error goes to the caller, whose failover counts it as an attempt.
    it('never resends a request the server read before closing the reused connection', async () => {
      const s = await server((_q, sock, n) => (n === 1 ? sock.destroy() : sock.write(ok(`r${n}`))));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      const r = await record(a, options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events).toEqual(['start', 'error']);
      expect(r.error!.code).toBe('UND_ERR_SOCKET');
      expect(mapped(r.error)).toBe('upstream_error');
      await new Promise((res) => setTimeout(res, 100));
      expect(s.requests.length).toBe(2);
      // The pool goes on with a fresh connection.
      expect((await record(a, options(s.origin))).body.toString()).toBe('r2');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 0, 1]);
    });

    it('never resends when the server resets the reused connection after reading the request, nor an idempotent GET', async () => {
      const s = await server((_q, sock, n) => (n === 1 ? sock.resetAndDestroy() : n === 3 ? sock.destroy() : sock.write(ok(`r${n}`))));
      const a = agent();
      await record(a, options(s.origin));
      const reset = await record(a, options(s.origin));
      expect(reset.events).toEqual(['start', 'error']);
      expect(reset.error!.code).toBe('ECONNRESET');
      expect(mapped(reset.error)).toBe('upstream_error');
      await record(a, options(s.origin));
      const get = await record(a, options(s.origin, { method: 'GET', body: null }));
      expect(get.events).toEqual(['start', 'error']);
      await new Promise((res) => setTimeout(res, 100));
      expect(s.requests.map((q) => q.method)).toEqual(['POST', 'POST', 'POST', 'GET']);
    });

    it('never resends after response bytes arrived either', async () => {
      const s = await server((_q, sock, n) => (n === 0 ? sock.write(ok('r0')) : sock.end('HTTP/1.1 200 OK\r\ncontent-le')));
      const a = agent();
      await record(a, options(s.origin));
      const partial = await record(a, options(s.origin));
      expect(partial.events.at(-1)).toBe('error');
      await new Promise((res) => setTimeout(res, 100));
      expect(s.requests.length).toBe(2);
    });

    // The certain case: the server closed the idle connection just before the request, its FIN
    // not read by the client yet. The client reads what reached an idle socket before reusing
    // it (as undici does) and takes a fresh connection instead of writing into a closed one.
    it('takes a fresh connection when the idle one was closed just before the reuse', async () => {
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`)));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      await new Promise((res) => setTimeout(res, 150)); // idle for a while, as before a server's idle timer fires
      s.sockets[0]!.destroy();
      const r = await record(a, options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.body.toString()).toBe('r1');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
    });
  });

  describe('close and destroy', () => {
    it('close() lets the request in flight finish, then closes the connections', async () => {
      const s = await server((_q, sock) => setTimeout(() => sock.write(ok('late')), 150));
      const a = agent();
      const p = record(a, options(s.origin));
      await until(() => s.requests.length === 1);
      let closed = false;
      const c = a.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(false);
      const r = await p;
      expect(r.body.toString()).toBe('late');
      await c;
      await until(() => s.closed === 1);
      const after = await record(a, options(s.origin));
      expect(after.events).toEqual(['error']);
    });

    it('destroy() aborts the request in flight', async () => {
      const s = await server(() => {});
      const a = agent();
      const p = record(a, options(s.origin));
      await until(() => s.requests.length === 1);
      await a.destroy();
      const r = await p;
      expect(wellFormed(r)).toBe(true);
      expect(r.events).toEqual(['start', 'error']);
      await until(() => s.closed === 1);
    });
  });

  describe('TLS', () => {
    const cert = selfSignedCert();
    const skip = 'skip' in cert ? cert.skip : '';
    it.skipIf(skip)(`speaks HTTP/1.1 over TLS to a self-signed server, resuming the session ${skip}`, async () => {
      if ('skip' in cert) return;
      const resumed: boolean[] = [];
      const alpn: (string | false | null)[] = [];
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`, n === 1 ? 'connection: close\r\n' : '')), {
        tls: { ...cert, ALPNProtocols: ['http/1.1'] },
        onConnection: (sock) => {
          resumed.push((sock as tls.TLSSocket).isSessionReused());
          alpn.push((sock as tls.TLSSocket).alpnProtocol);
        },
      });
      const a = agent({ tls: { ca: cert.cert } });
      const host = `https://localhost:${s.port}`;
      expect((await record(a, options(host))).body.toString()).toBe('r0');
      expect((await record(a, options(host))).body.toString()).toBe('r1');
      expect((await record(a, options(host))).body.toString()).toBe('r2');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 0, 1]);
      expect(s.requests[0]!.headers['host']).toBe(`localhost:${s.port}`);
      expect(alpn).toEqual(['http/1.1', 'http/1.1']);
      if (client === 'native') expect(resumed).toEqual([false, true]); // undici did not resume here
    });

    it.skipIf(skip)('refuses a certificate it cannot verify', async () => {
      if ('skip' in cert) return;
      const s = await server((_q, sock) => sock.write(ok('x')), { tls: cert });
      const r = await record(agent(), options(`https://localhost:${s.port}`));
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('error');
      expect(r.error!.code).toMatch(/CERT|SELF_SIGNED/);
      expect(s.requests).toHaveLength(0);
    });
  });
});
