import { describe, expect, it } from 'vitest';
import { ok, options, record, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';
import type { UpstreamController } from '../dispatcher.js';

// The native client's check of an idle connection before reuse (Pool.send): the request waits
// two turns of the event loop, and whatever happens to it meanwhile is handled.

const fx = useH1Fixtures();
const IDLE = 150; // longer than the pool's IDLE_CHECK_AFTER_MS
const idle = () => new Promise((r) => setTimeout(r, IDLE));

describe('H1 pool: reusing an idle connection', () => {
  it('a request aborted while its connection is checked fails once, and the connection serves the next one', async () => {
    const s = await fx.server((_q, sock, n) => sock.write(ok(`r${n}`)));
    const a = fx.agent('native');
    await record(a, options(s.origin));
    await idle();
    let ctl!: UpstreamController;
    const aborted = record(a, options(s.origin), { onStart: (c) => (ctl = c) });
    ctl.abort(new Error('client went away'));
    const r = await aborted;
    expect(wellFormed(r)).toBe(true);
    expect(r.events).toEqual(['start', 'error']);
    expect(r.error!.message).toBe('client went away');
    expect((await record(a, options(s.origin))).body.toString()).toBe('r1');
    expect(s.requests.map((q) => q.conn)).toEqual([0, 0]);
  });

  it('destroy() while a connection is checked fails the request waiting for it', async () => {
    const s = await fx.server((_q, sock, n) => sock.write(ok(`r${n}`)));
    const a = fx.agent('native');
    await record(a, options(s.origin));
    await idle();
    const p = record(a, options(s.origin));
    await a.destroy();
    const r = await p;
    expect(wellFormed(r)).toBe(true);
    expect(r.error!.code).toBe('UND_ERR_DESTROYED');
    expect(s.requests).toHaveLength(1);
  });
});
