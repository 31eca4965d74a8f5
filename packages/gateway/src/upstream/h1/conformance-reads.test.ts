import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENTS, type AgentOverrides, dribble, ok, options, record, selfSignedCert, until, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';
import type { UpstreamController } from '../dispatcher.js';

// Our client reads the sockets it opens into one buffer shared by every connection
// (connection.ts, READ_BUFFER), so whatever outlives one read must be copied out of it. These
// cases keep every body chunk by reference (as the relay does: dispatcher.ts says a chunk is the
// handler's) and look at them only after other reads, on the same connection and on others,
// had the chance to overwrite them: the answers split across reads, bodies larger than the
// buffer, a second answer on a kept-alive connection, a paused answer holding what it read,
// and the same over TLS. undici is the reference. See conformance-{framing,connections,flow}.

const fx = useH1Fixtures();
const cert = selfSignedCert();
const noTls = 'skip' in cert ? cert.skip : '';

/** `n` bytes that differ from any other `tag`'s, and from any other offset's. */
function pattern(tag: string, n: number): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${tag}:${i};`;
  return s.slice(0, n);
}

const chunked = (parts: string[]) => `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`;

/** The pieces of one answer, by reference, and the controller to pause it with. */
interface Kept {
  chunks: Buffer[];
  controller: UpstreamController | null;
  readonly body: string;
}

/** Dispatch and keep every body chunk as handed over (no copy); `pauseAtHead` pauses it at its head. */
function keep(a: ReturnType<typeof fx.agent>, origin: string, pauseAtHead = false): { kept: Kept; done: Promise<unknown> } {
  const kept: Kept = {
    chunks: [],
    controller: null,
    get body() {
      return Buffer.concat(this.chunks).toString('latin1');
    },
  };
  const done = record(a, options(origin), {
    onStart: (c) => void (kept.controller = c),
    onHead: (c) => {
      if (pauseAtHead) c.pause();
    },
    onData: (_c, chunk) => void kept.chunks.push(chunk),
  }).then((o) => {
    if (!wellFormed(o) || o.error) throw o.error ?? new Error(`callbacks out of order: ${o.events.join(' ')}`);
    return o;
  });
  return { kept, done };
}

const tick = () => new Promise((r) => setTimeout(r, 15));

const TRANSPORTS = [
  { name: 'tcp', tls: undefined, host: '127.0.0.1', skip: '' },
  { name: 'tls', tls: 'skip' in cert ? undefined : cert, host: 'localhost', skip: noTls },
] as const;

describe.each(CLIENTS)('upstream HTTP client conformance, reads kept past their callback: %s', (client) => {
  describe.each(TRANSPORTS)('over $name', (t) => {
    const agent = (o: AgentOverrides = {}) => fx.agent(client, t.tls ? { ...o, tls: { ca: t.tls.cert } } : o);
    const server = (respond: Parameters<typeof fx.server>[0]) => fx.server(respond, t.tls ? { tls: t.tls } : {});
    const origin = (s: { port: number }) => `${t.tls ? 'https' : 'http'}://${t.host}:${s.port}`;

    it.skipIf(t.skip)('keeps a body larger than a read buffer, read in many pieces, and the answer after it on the same connection', async () => {
      const big = pattern('big', 300_000);
      const small = pattern('small', 2_000);
      const s = await server((_q, sock, n) => {
        if (n === 0) void dribble(sock, ok(big), 50_000);
        else sock.write(chunked([small.slice(0, 700), small.slice(700)]));
      });
      const a = agent();
      const first = keep(a, origin(s));
      await first.done;
      const second = keep(a, origin(s));
      await second.done;
      expect(s.sockets).toHaveLength(1);
      expect(first.kept.chunks.length).toBeGreaterThan(1);
      expect(first.kept.body).toBe(big);
      expect(second.kept.body).toBe(small);
    });

    it.skipIf(t.skip)("keeps one connection's pieces while other connections' answers are read", async () => {
      // Two answers in flight on two connections, their pieces interleaved on the wire.
      const bodies = [pattern('one', 9_000), pattern('two', 9_000)];
      const socks: net.Socket[] = [];
      const s = await server((_q, sock) => void socks.push(sock));
      const a = agent();
      const got = [keep(a, origin(s)), keep(a, origin(s))];
      await until(() => socks.length === 2);
      const heads = bodies.map((b) => `HTTP/1.1 200 OK\r\ncontent-length: ${b.length}\r\n\r\n`);
      // The head split inside a line, then the body in pieces, alternating between connections.
      for (const [i, sock] of socks.entries()) sock.write(heads[i]!.slice(0, 20));
      await tick();
      for (const [i, sock] of socks.entries()) sock.write(heads[i]!.slice(20) + bodies[i]!.slice(0, 1_000));
      for (let at = 1_000; at < 9_000; at += 2_000) {
        for (const [i, sock] of socks.entries()) {
          sock.write(bodies[i]!.slice(at, at + 2_000));
          await tick();
        }
      }
      await Promise.all(got.map((g) => g.done));
      // Which request took which connection is the pool's business: match by content.
      expect(got.map((g) => g.kept.body).sort()).toEqual([...bodies].sort());
    });

    it.skipIf(t.skip)('keeps what a paused answer had read while other connections are read, and delivers it on resume', async () => {
      const held = pattern('held', 20_000);
      const other = pattern('other', 20_000);
      const s = await server((q, sock) => {
        // The whole answer at once: its head and all of its body come in the read that the
        // pause stops in (and, over TLS, in the decrypted records handed over after it).
        if (q.path === '/x') sock.write(ok(q.headers['x-which'] === 'other' ? other : held));
      });
      const a = agent();
      const paused = keep(a, origin(s), true);
      await until(() => paused.kept.controller !== null && s.requests.length === 1);
      await tick();
      await tick();
      expect(paused.kept.chunks).toHaveLength(0);
      // Meanwhile another connection reads a whole answer of its own.
      const busy = record(a, options(origin(s), { headers: { 'content-type': 'application/json', 'x-which': 'other' } }), { onData: () => {} });
      expect((await busy).body.toString('latin1')).toBe(other);
      paused.kept.controller!.resume();
      await paused.done;
      expect(paused.kept.body).toBe(held);
    });
  });
});
