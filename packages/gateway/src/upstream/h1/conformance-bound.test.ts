import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENTS, mapped, ok, options, record, type RawRequest, until, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';
import type { UpstreamController } from '../dispatcher.js';

// The bound on connections per origin (GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN), against both
// clients (see conformance-connections.test.ts). The servers answer only when the test says
// so: nothing here depends on timing. Deliberate differences, both undici's: a request waiting
// for a connection gets its controller (onRequestStart) only once it has one, so an abort
// reaches it only then; and it waits without a deadline of its own. The native client hands
// the controller over at once and bounds the wait by the request's first-byte timeout.

const fx = useH1Fixtures();

/** A server that holds every request until `answer()`, counting the connections open at once. */
async function heldServer() {
  const held: { q: RawRequest; sock: net.Socket }[] = [];
  const count = { open: 0, maxOpen: 0 };
  const s = await fx.server((q, sock) => held.push({ q, sock }), {
    onConnection: (sock) => {
      count.maxOpen = Math.max(count.maxOpen, ++count.open);
      sock.on('close', () => count.open--);
    },
  });
  /** Answer the request that arrived first among those held, with its path as the body. */
  const answer = (extra = '') => {
    const h = held.shift()!;
    h.sock.write(ok(h.q.path, extra));
  };
  return { s, held, count, answer };
}

describe.each(CLIENTS)('upstream HTTP client conformance, connections per origin: %s', (client) => {
  it('opens at most the bound, and the requests beyond it wait their turn, first in first out', async () => {
    const { s, held, count, answer } = await heldServer();
    const a = fx.agent(client, { maxConnectionsPerOrigin: 2 });
    const rs = [0, 1, 2, 3, 4].map((i) => record(a, options(s.origin, { path: `/r${i}` })));
    for (let left = 5; left > 0; left--) {
      // Both connections carry a request (or the last one does) before one is answered.
      await until(() => held.length === Math.min(2, left));
      answer();
    }
    const out = await Promise.all(rs);
    expect(out.map((r) => r.body.toString())).toEqual(['/r0', '/r1', '/r2', '/r3', '/r4']);
    expect(out.every(wellFormed)).toBe(true);
    expect(count.maxOpen).toBe(2);
    expect(s.sockets).toHaveLength(2);
    expect(s.requests.slice(2).map((q) => q.path)).toEqual(['/r2', '/r3', '/r4']);
  });

  it('without a bound, opens a connection per request in flight', async () => {
    const { s, held, count, answer } = await heldServer();
    const a = fx.agent(client);
    const rs = [0, 1, 2, 3].map((i) => record(a, options(s.origin, { path: `/r${i}` })));
    await until(() => held.length === 4);
    for (let i = 0; i < 4; i++) answer();
    await Promise.all(rs);
    expect(count.maxOpen).toBe(4);
  });

  it('a waiting request takes the slot of a connection the server closed', async () => {
    const { s, held, answer } = await heldServer();
    const a = fx.agent(client, { maxConnectionsPerOrigin: 1 });
    const first = record(a, options(s.origin, { path: '/a' }));
    const second = record(a, options(s.origin, { path: '/b' }));
    await until(() => held.length === 1);
    answer('connection: close\r\n');
    await until(() => held.length === 1);
    answer();
    expect((await first).body.toString()).toBe('/a');
    expect((await second).body.toString()).toBe('/b');
    expect(s.requests.map((q) => q.conn)).toEqual([0, 1]);
  });

  it('close() lets the waiting requests have their turn, then closes', async () => {
    const { s, held, answer } = await heldServer();
    const a = fx.agent(client, { maxConnectionsPerOrigin: 1 });
    const rs = ['/a', '/b'].map((path) => record(a, options(s.origin, { path })));
    await until(() => held.length === 1);
    const closed = a.close();
    answer();
    await until(() => held.length === 1);
    answer();
    expect((await Promise.all(rs)).map((r) => r.body.toString())).toEqual(['/a', '/b']);
    await closed;
    await until(() => s.closed === 1);
  });

  it('destroy() fails the waiting requests too', async () => {
    const { s, held } = await heldServer();
    const a = fx.agent(client, { maxConnectionsPerOrigin: 1 });
    const rs = ['/a', '/b'].map((path) => record(a, options(s.origin, { path })));
    await until(() => held.length === 1);
    await a.destroy();
    const [busy, waiting] = await Promise.all(rs);
    expect(busy!.error!.code).toBe('UND_ERR_DESTROYED');
    expect(waiting!.error!.code).toBe('UND_ERR_DESTROYED');
    expect(wellFormed(waiting!)).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  // Native: the abort takes effect at once. undici: the request has no controller before its
  // connection; the gateway aborts it from onRequestStart then, before a byte is written.
  it('a request aborted while it waits leaves the queue and is never sent', async () => {
    const { s, held, answer } = await heldServer();
    const a = fx.agent(client, { maxConnectionsPerOrigin: 1 });
    const first = record(a, options(s.origin, { path: '/a' }));
    let gone = false;
    let ctl: UpstreamController | undefined;
    const aborted = record(a, options(s.origin, { path: '/b' }), {
      onStart: (c) => {
        ctl = c;
        if (gone) c.abort(new Error('client went away'));
      },
    });
    const third = record(a, options(s.origin, { path: '/c' }));
    await until(() => held.length === 1);
    gone = true;
    ctl?.abort(new Error('client went away'));
    if (client === 'native') expect(aborted.outcome.events).toEqual(['start', 'error']);
    else expect(ctl).toBeUndefined();
    answer();
    await until(() => held.length === 1);
    answer();
    const r = await aborted;
    expect(wellFormed(r)).toBe(true);
    expect(r.events).toEqual(['start', 'error']);
    expect(r.error!.message).toBe('client went away');
    expect((await first).body.toString()).toBe('/a');
    expect((await third).body.toString()).toBe('/c');
    expect(s.requests.map((q) => q.path)).toEqual(['/a', '/c']);
    if (client === 'native') expect(s.sockets).toHaveLength(1);
  });

  it.skipIf(client === 'undici')('a request waits for a connection at most its first-byte timeout, then fails as a first-byte timeout', async () => {
    const { s, held, answer } = await heldServer();
    const a = fx.agent(client, { maxConnectionsPerOrigin: 1 });
    const first = record(a, options(s.origin, { path: '/a' }));
    const late = await record(a, options(s.origin, { path: '/b', headersTimeout: 200 }));
    expect(wellFormed(late)).toBe(true);
    expect(late.events).toEqual(['start', 'error']);
    expect(late.error!.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(late.error!.message).toMatch(/^no connection to http:\/\/127\.0\.0\.1:\d+ came free within 200 ms \(all 1 allowed are busy\)$/);
    expect(mapped(late.error)).toBe('upstream_timeout');
    answer();
    expect((await first).body.toString()).toBe('/a');
    // The next request takes the connection the first one left.
    const next = record(a, options(s.origin, { path: '/c' }));
    await until(() => held.length === 1);
    answer();
    expect((await next).body.toString()).toBe('/c');
    expect(s.requests.map((q) => q.path)).toEqual(['/a', '/c']);
  });
});
