import { parseSse, startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import type tls from 'node:tls';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  blackhole,
  closedPort,
  dribble,
  options,
  rawServer,
  record,
  selfSignedCert,
  silentServer,
  until,
  wellFormed,
  type RawServer,
  type Respond,
} from '../../../../../tests/support/h1-servers.js';
import { createAgent } from '../agents.js';
import type { UpstreamAgent } from '../dispatcher.js';
import { mapUpstreamError } from '../map-upstream-error.js';
import { H1Agent } from './agent.js';

// The same cases against our HTTP/1.1 client and undici's Agent (the fallback), both built the
// way the gateway builds them, each against real loopback servers: the fake provider for real
// JSON and SSE answers, raw node:net servers for exact (and hostile) bytes. Where the two
// clients differ on purpose, the case says so.

type Client = 'native' | 'undici';
const CLIENTS: Client[] = ['native', 'undici'];

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake.close();
});

const servers: { close(): Promise<void> }[] = [];
const agents: UpstreamAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(respond: Respond, opts?: Parameters<typeof rawServer>[1]): Promise<RawServer> {
  const s = await rawServer(respond, opts);
  servers.push(s);
  return s;
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'say hello to me' }] });
/** The catalog code the gateway would answer with. */
const mapped = (e: Error | undefined) => mapUpstreamError(e!, 'p').code;

describe('createAgent', () => {
  it('builds the client GW_UPSTREAM_CLIENT names', async () => {
    const native = createAgent({ client: 'native', connectTimeoutMs: 1_000, keepAliveMs: 1_000 }, 1_000);
    const undici = createAgent({ client: 'undici', connectTimeoutMs: 1_000, keepAliveMs: 1_000 }, 1_000);
    expect(native).toBeInstanceOf(H1Agent);
    expect(undici).toBeInstanceOf(Agent);
    await Promise.all([native.close(), undici.close()]);
  });
});

describe.each(CLIENTS)('upstream HTTP client conformance: %s', (client) => {
  const agent = (o: { connectTimeoutMs?: number; keepAliveMs?: number; tls?: tls.ConnectionOptions } = {}) => {
    const connectTimeoutMs = o.connectTimeoutMs ?? 2_000;
    const a = createAgent({ client, connectTimeoutMs, keepAliveMs: o.keepAliveMs ?? 10_000, ...(o.tls ? { tls: o.tls } : {}) }, connectTimeoutMs);
    agents.push(a);
    return a;
  };

  describe('the fake provider', () => {
    it('relays a content-length JSON answer', async () => {
      const r = await record(agent(), options(fake.origin, { path: '/v1/chat/completions', body: CHAT }));
      expect(wellFormed(r)).toBe(true);
      expect(r.events[0]).toBe('start');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json');
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
      expect(JSON.parse(r.body.toString())).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' });
      const got = fake.received.at(-1)!;
      expect(got.json).toEqual(JSON.parse(CHAT));
      expect(got.headers['host']).toBe(new URL(fake.origin).host);
      expect(got.headers['content-length']).toBe(String(Buffer.byteLength(CHAT)));
    });

    it('relays an SSE stream event by event', async () => {
      const body = JSON.stringify({ ...JSON.parse(CHAT), stream: true });
      const r = await record(
        agent(),
        options(fake.origin, { path: '/v1/chat/completions', body, headers: { 'content-type': 'application/json', 'x-fake-behaviour': '{"chunks":4,"chunkDelayMs":15}' } }),
      );
      expect(wellFormed(r)).toBe(true);
      expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(r.chunks.length).toBeGreaterThan(2); // the events arrived apart, and were delivered apart
      const events = parseSse(r.body.toString());
      expect(events.at(-1)!.data).toBe('[DONE]');
      expect(events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? '').join('')).toMatch(/\S/);
    });

    it('reuses one connection for requests one after another', async () => {
      const a = agent();
      for (let i = 0; i < 3; i++) expect((await record(a, options(fake.origin, { path: '/v1/chat/completions', body: CHAT }))).status).toBe(200);
    });
  });

  describe('framing', () => {
    it('reads a chunked body with chunk extensions and trailers', async () => {
      const s = await server((_q, sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\n\r\n5;ext=1;foo\r\nhello\r\n6;bar="baz"\r\n world\r\n0\r\nx-t: v\r\n\r\n'));
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.body.toString()).toBe('hello world');
      expect(r.trailers).toMatchObject({ 'x-t': 'v' });
    });

    it('reads a response written one byte per TCP write', async () => {
      const resp = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nx-done: 1\r\n\r\n';
      const s = await server((_q, sock) => void dribble(sock, resp));
      const a = agent();
      const r = await record(a, options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.body.toString()).toBe('wikipedia');
      expect(r.trailers).toMatchObject({ 'x-done': '1' });
      // The connection is still in step: a second answer on it reads right.
      const r2 = await record(a, options(s.origin));
      expect(r2.body.toString()).toBe('wikipedia');
      expect(s.sockets).toHaveLength(1);
    });

    it('reads a content-length response whose head is split at awkward places', async () => {
      const s = await server((_q, sock) => {
        const parts = ['HTTP/1.1 200 OK\r\nx-a: 1\r', '\nContent-Length: 5\r\n\r', '\nhel', 'lo'];
        let i = 0;
        const next = () => {
          sock.write(parts[i++]!);
          if (i < parts.length) setTimeout(next, 10);
        };
        next();
      });
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.headers['x-a']).toBe('1');
      expect(r.body.toString()).toBe('hello');
    });

    it('hands over part of a chunk as soon as it arrives', async () => {
      let sock!: import('node:net').Socket;
      const s = await server((_q, so) => {
        sock = so;
        so.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n1f\r\ndata: {"a":1}\n\n');
      });
      const p = record(agent(), options(s.origin));
      // Only 15 of the chunk's 31 bytes were sent: they must arrive without the rest.
      await until(() => p.outcome.chunks.length > 0);
      expect(Buffer.concat(p.outcome.chunks).toString()).toBe('data: {"a":1}\n\n');
      expect(p.outcome.events).not.toContain('end');
      sock.write('data: {"b":22}\n\n\r\n0\r\n\r\n');
      const r = await p;
      expect(wellFormed(r)).toBe(true);
      expect(r.body.toString()).toBe('data: {"a":1}\n\ndata: {"b":22}\n\n');
    });

    it('gives repeated headers as arrays, in order', async () => {
      const s = await server((_q, sock) => sock.write(ok('x', 'Set-Cookie: a=1\r\nset-cookie: b=2\r\nX-Dup: 1\r\nx-dup: 2\r\nx-dup: 3\r\n')));
      const r = await record(agent(), options(s.origin));
      expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(r.headers['x-dup']).toEqual(['1', '2', '3']);
    });

    it('skips a 1xx answer before the response', async () => {
      const s = await server((_q, sock) => sock.write(`HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n${ok('fine')}`));
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('fine');
      // undici reports the 103 head too (attempt.ts ignores it); ours does not.
      expect(r.events.filter((e) => e.startsWith('head:'))).toEqual(client === 'native' ? ['head:200'] : ['head:103', 'head:200']);
    });

    it('expects no body after HEAD, 204 and 304, and keeps the connection', async () => {
      const s = await server((q, sock, n) => {
        if (q.method === 'HEAD') sock.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n');
        else if (n === 1) sock.write('HTTP/1.1 204 No Content\r\n\r\n');
        else if (n === 2) sock.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n');
        else sock.write(ok('after'));
      });
      const a = agent();
      const head = await record(a, options(s.origin, { method: 'HEAD', body: null }));
      expect(wellFormed(head)).toBe(true);
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      const r204 = await record(a, options(s.origin, { method: 'GET', body: null }));
      expect([r204.status, r204.body.length, wellFormed(r204)]).toEqual([204, 0, true]);
      const r304 = await record(a, options(s.origin, { method: 'GET', body: null }));
      expect([r304.status, r304.body.length, wellFormed(r304)]).toEqual([304, 0, true]);
      const after = await record(a, options(s.origin));
      expect(after.body.toString()).toBe('after');
      // undici closes the connection after HEAD and after a 304 with a content-length; ours keeps it.
      if (client === 'native') expect(s.requests.map((q) => q.conn)).toEqual([0, 0, 0, 0]);
      expect(s.requests[0]!.raw.toString('latin1')).not.toMatch(/content-length/i); // HEAD without a body
    });

    it('reads a body without length until the server closes', async () => {
      const s = await server((_q, sock) => {
        sock.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil ');
        setTimeout(() => sock.end('close'), 20);
      });
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('end');
      expect(r.body.toString()).toBe('until close');
    });
  });

  describe('broken upstreams', () => {
    it('fails when the server closes in the middle of a content-length body', async () => {
      const s = await server((_q, sock) => {
        sock.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf');
        setTimeout(() => sock.destroy(), 20);
      });
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('error');
      expect(r.body.toString()).toBe('half');
      expect(mapped(r.error)).toBe('upstream_error');
    });

    it('fails when the server closes in the middle of a chunked body', async () => {
      const s = await server((_q, sock) => {
        sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel');
        setTimeout(() => sock.end(), 20);
      });
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('error');
      expect(mapped(r.error)).toBe('upstream_error');
    });

    it('fails when the server closes before answering', async () => {
      const s = await server((_q, sock) => sock.destroy());
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events).toEqual(['start', 'error']);
      expect(mapped(r.error)).toBe('upstream_error');
    });

    it('refuses an oversized response head', async () => {
      const s = await server((_q, sock) => sock.write(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(100 * 1024)}\r\ncontent-length: 0\r\n\r\n`));
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events).toEqual(['start', 'error']);
      expect(r.error!.code).toBe('UND_ERR_HEADERS_OVERFLOW');
      expect(mapped(r.error)).toBe('upstream_error');
    });

    it('refuses a bad chunk size and drops the connection', async () => {
      const s = await server((_q, sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'));
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('error');
      expect(mapped(r.error)).toBe('upstream_error');
      if (client === 'native') expect(r.error!.code).toBe('HPE_INVALID_CHUNK_SIZE'); // undici's parser error has no code
      await until(() => s.closed === 1);
    });

    it('refuses a response that is not HTTP', async () => {
      const s = await server((_q, sock) => sock.write('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
      const r = await record(agent(), options(s.origin));
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('error');
      expect(mapped(r.error)).toBe('upstream_error');
    });

    it('drops a connection that sends bytes after a complete response', async () => {
      const s = await server((_q, sock, n) => sock.write(n === 0 ? `${ok('one')}HTTP/1.1 200 OK\r\n` : ok('two')));
      const a = agent();
      const r1 = await record(a, options(s.origin));
      expect(r1.body.toString()).toBe('one');
      expect(r1.events.at(-1)).toBe('end');
      await until(() => s.closed === 1);
      const r2 = await record(a, options(s.origin));
      expect(r2.body.toString()).toBe('two');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
    });
  });

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
      servers.push(hole);
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
      servers.push(s);
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

    it('sends a request once more on a fresh connection when the reused one turns out dead', async () => {
      // The server answers the first request, then drops the connection when the second
      // arrives on it (as when its keep-alive timer fires just as the request is sent).
      const s = await server((_q, sock, n) => (n === 1 ? sock.destroy() : sock.write(ok(`r${n}`))));
      const a = agent();
      expect((await record(a, options(s.origin))).body.toString()).toBe('r0');
      const r = await record(a, options(s.origin));
      expect(wellFormed(r)).toBe(true);
      if (client === 'native') {
        expect(r.body.toString()).toBe('r2');
        expect(s.requests.map((q) => q.conn)).toEqual([0, 0, 1]);
      } else {
        // undici replays only idempotent requests: this POST fails.
        expect(r.events.at(-1)).toBe('error');
      }
    });

    it('does not replay when the fresh connection dies too, nor after response bytes arrived', async () => {
      const s = await server((_q, sock, n) => {
        if (n === 0) sock.write(ok('r0'));
        else if (n === 1) sock.destroy();
        else if (n === 2) sock.destroy();
        else if (n === 3) sock.write(ok('r3'));
        else sock.end('HTTP/1.1 200 OK\r\ncontent-le');
      });
      const a = agent();
      await record(a, options(s.origin));
      const r = await record(a, options(s.origin));
      expect(r.events.at(-1)).toBe('error');
      expect(s.requests.length).toBe(client === 'native' ? 3 : 2);
      if (client === 'undici') return;
      expect((await record(a, options(s.origin))).body.toString()).toBe('r3');
      const partial = await record(a, options(s.origin));
      expect(partial.events.at(-1)).toBe('error');
      expect(s.requests.length).toBe(5);
    });
  });

  describe('flow control', () => {
    it('pause() holds data already read until resume()', async () => {
      const s = await server((_q, sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n'));
      let ctl!: { resume(): void };
      let paused = false;
      const p = record(agent(), options(s.origin), {
        onData(c) {
          if (paused) return;
          paused = true;
          ctl = c;
          c.pause();
        },
      });
      await until(() => paused);
      await new Promise((r) => setTimeout(r, 150));
      expect(p.outcome.events).toEqual(['start', 'head:200', 'data']);
      ctl.resume();
      const r = await p;
      expect(wellFormed(r)).toBe(true);
      expect(r.body.toString()).toBe('abc');
    });

    it('a response the server finished and closed while paused is delivered whole on resume', async () => {
      const s = await server((_q, sock) => sock.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n'));
      let ctl!: { resume(): void };
      const p = record(agent(), options(s.origin), {
        onData(c) {
          if (ctl) return;
          ctl = c;
          c.pause();
        },
      });
      await until(() => ctl !== undefined && s.sockets.length === 1 && s.sockets[0]!.writableFinished);
      await new Promise((r) => setTimeout(r, 100));
      expect(p.outcome.events).toEqual(['start', 'head:200', 'data']);
      ctl.resume();
      const r = await p;
      expect(wellFormed(r)).toBe(true);
      expect(r.events.at(-1)).toBe('end');
      expect(r.body.toString()).toBe('ab');
    });

    it('a handler that throws ends its request with what it threw', async () => {
      const s = await server((_q, sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n'));
      const boom = new Error('handler bug');
      const r = await record(agent(), options(s.origin), {
        onData() {
          throw boom;
        },
      });
      expect(wellFormed(r)).toBe(true);
      expect(r.events).toEqual(['start', 'head:200', 'data', 'error']);
      expect(r.error).toBe(boom);
    });

    it('a paused response does not time out', async () => {
      const s = await server((_q, sock) => sock.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab'));
      let ctl!: { resume(): void };
      const p = record(agent(), options(s.origin, { bodyTimeout: 200 }), {
        onHead(c) {
          ctl = c;
          c.pause();
        },
      });
      await until(() => ctl !== undefined);
      await new Promise((r) => setTimeout(r, 400));
      expect(p.outcome.events).not.toContain('error');
      s.sockets[0]!.write('cd');
      ctl.resume();
      const r = await p;
      expect(r.events.at(-1)).toBe('end');
      expect(r.body.toString()).toBe('abcd');
    });

    it('abort() mid-stream ends with that error, once, and closes the socket', async () => {
      const s = await server((_q, sock) => {
        sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n');
        const t = setInterval(() => (sock.destroyed ? clearInterval(t) : sock.write('1\r\nb\r\n')), 10);
      });
      const reason = new Error('client went away');
      const r = await record(agent(), options(s.origin), { onData: (c, _chunk, o) => o.chunks.length === 2 && c.abort(reason) });
      expect(wellFormed(r)).toBe(true);
      expect(r.events.filter((e) => e === 'error')).toHaveLength(1);
      expect(r.error).toBe(reason);
      await until(() => s.sockets.length > 0 && s.sockets.every((x) => x.destroyed));
    });

    it('abort() in onRequestStart sends nothing', async () => {
      const s = await server((_q, sock) => sock.write(ok('x')));
      const reason = new Error('already gone');
      const r = await record(agent(), options(s.origin), { onStart: (c) => c.abort(reason) });
      expect(r.events).toEqual(['start', 'error']);
      expect(r.error).toBe(reason);
      expect(s.requests).toHaveLength(0);
    });

    it('abort() after the end changes nothing', async () => {
      const s = await server((_q, sock, n) => sock.write(ok(`r${n}`)));
      const a = agent();
      let ctl!: { abort(e: Error): void };
      const r1 = await record(a, options(s.origin), { onStart: (c) => (ctl = c) });
      expect(r1.events.at(-1)).toBe('end');
      ctl.abort(new Error('late'));
      const r2 = await record(a, options(s.origin));
      expect(r2.body.toString()).toBe('r1');
      expect(r1.events.at(-1)).toBe('end');
      expect(s.requests.map((q) => q.conn)).toEqual([0, 0]);
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

  describe('requests', () => {
    it('writes host from the origin and content-length from the body', async () => {
      const s = await server((_q, sock) => sock.write(ok('x')));
      const body = '{"text":"héllo ✓"}';
      await record(agent(), options(s.origin, { body, headers: { 'content-type': 'application/json', 'x-one': 'a b' } }));
      const q = s.requests[0]!;
      expect(q.headers['host']).toBe(`127.0.0.1:${s.port}`);
      expect(q.headers['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(q.headers['x-one']).toBe('a b');
      expect(q.body.toString()).toBe(body);
    });

    it('sends a large body whole', async () => {
      const s = await server((_q, sock) => sock.write(ok('x')));
      const body = Buffer.alloc(300 * 1024, 'z');
      await record(agent(), options(s.origin, { body }));
      expect(s.requests[0]!.body.equals(body)).toBe(true);
    });

    it.each([
      ['a CRLF in a value', { 'x-a': 'b\r\nx-evil: 1' }],
      ['a LF in a value', { 'x-a': 'b\nx-evil: 1' }],
      ['a NUL in a value', { 'x-a': 'b\0c' }],
      ['a CR in a name', { 'x-a\r\nx-evil': '1' }],
    ])('refuses header injection (%s) before anything is written', async (_what, headers) => {
      const s = await server((_q, sock) => sock.write(ok('x')));
      const r = await record(agent(), options(s.origin, { headers }));
      expect(r.events).toEqual(['error']);
      expect(r.error!.code).toBe('UND_ERR_INVALID_ARG');
      await new Promise((res) => setTimeout(res, 50));
      expect(s.sockets).toHaveLength(0);
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
