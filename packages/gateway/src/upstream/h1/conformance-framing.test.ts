import { parseSse, startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentOverrides, CLIENTS, dribble, mapped, ok, options, record, until, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';

// The same cases against our HTTP/1.1 client and undici's Agent (the fallback), both built the
// way the gateway builds them, against real loopback servers. Where the two clients differ on
// purpose, the case says so. The cases are split by theme: conformance-{framing,connections,flow}.
// Here: real answers of the fake provider, body framing, broken and hostile upstreams.

const fx = useH1Fixtures();

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake.close();
});

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'say hello to me' }] });

describe.each(CLIENTS)('upstream HTTP client conformance, framing: %s', (client) => {
  const agent = (o?: AgentOverrides) => fx.agent(client, o);
  const server = fx.server;

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

    it('never writes into a chunk it handed out (the gateway keeps them without copying)', async () => {
      // Many reads of different sizes, chunked and content-length, then a second answer on the
      // same connection: if the client reused a read buffer, the chunks kept by reference would
      // no longer add up to the body.
      const parts = Array.from({ length: 40 }, (_, i) => `event ${i} ${'x'.repeat(i * 7)}\n`);
      const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`;
      const whole = parts.join('');
      const s = await server((_q, sock) => {
        void (async () => {
          await dribble(sock, chunked, 13);
          await dribble(sock, ok(whole), 29);
        })();
      });
      const a = agent();
      for (let i = 0; i < 2; i++) {
        const kept: Buffer[] = [];
        const r = await record(a, options(s.origin), { onData: (_c, chunk) => void kept.push(chunk) });
        expect(r.body.toString()).toBe(whole);
        expect(kept.length).toBeGreaterThan(5);
        expect(Buffer.concat(kept).toString()).toBe(whole);
      }
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
});
