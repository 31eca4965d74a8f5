import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { type AgentOverrides, CLIENTS, ok, options, record, until, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';
import { createAgent } from '../agents.js';
import { H1Agent } from './agent.js';

// The same cases against our HTTP/1.1 client and undici's Agent (the fallback), both built the
// way the gateway builds them, against real loopback servers. Where the two clients differ on
// purpose, the case says so. The cases are split by theme: conformance-{framing,connections,flow}.
// Here: pause/resume, abort, handler errors, and what goes on the wire.

const fx = useH1Fixtures();

describe('createAgent', () => {
  it('builds the client GW_UPSTREAM_CLIENT names', async () => {
    const native = createAgent({ client: 'native', connectTimeoutMs: 1_000, keepAliveMs: 1_000 }, 1_000);
    const undici = createAgent({ client: 'undici', connectTimeoutMs: 1_000, keepAliveMs: 1_000 }, 1_000);
    expect(native).toBeInstanceOf(H1Agent);
    expect(undici).toBeInstanceOf(Agent);
    await Promise.all([native.close(), undici.close()]);
  });
});

describe.each(CLIENTS)('upstream HTTP client conformance, flow: %s', (client) => {
  const agent = (o?: AgentOverrides) => fx.agent(client, o);
  const server = fx.server;

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
});
