import type tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from '../../../../../tests/support/connect-proxy.js';
import { type AgentOverrides, closedPort, CLIENTS, mapped, ok, options, record, silentServer, until, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';
import { makeUpstreamCerts } from '../../../../../tests/support/upstream-certs.js';
import type { UpstreamController } from '../dispatcher.js';
import { mapUpstreamError } from '../map-upstream-error.js';
import { proxySettings, type ProxyEnv } from './proxy-settings.js';

// HTTPS_PROXY / HTTP_PROXY / NO_PROXY against both clients (see conformance-connections.test.ts),
// through a real CONNECT proxy (tests/support/connect-proxy.ts). Both tunnel http upstreams
// with CONNECT as well (undici's ProxyAgent default), so the same cases hold for both.

const fx = useH1Fixtures();
const certs = makeUpstreamCerts();
const skip = 'skip' in certs ? certs.skip : '';
afterAll(() => {
  if (!('skip' in certs)) certs.cleanup();
});

async function proxy(o?: ConnectProxyOptions): Promise<ConnectProxy> {
  return fx.track(await startConnectProxy(o));
}

describe.each(CLIENTS)('upstream HTTP client conformance, proxies: %s', (client) => {
  const agent = (env: ProxyEnv, o: AgentOverrides = {}) => fx.agent(client, { ...o, proxy: proxySettings(env) });
  const trusted = (): AgentOverrides => ('skip' in certs ? {} : { tls: { ca: certs.ca } });

  it.skipIf(skip)('reaches an https upstream through a CONNECT tunnel, TLS inside it for the upstream, and keeps it alive', async () => {
    if ('skip' in certs) return;
    const servernames: (string | false | null)[] = [];
    const s = await fx.server((_q, sock, n) => sock.write(ok(`r${n}`)), { tls: certs.good, onConnection: (sock) => servernames.push((sock as tls.TLSSocket).servername) });
    const p = await proxy();
    const a = agent({ HTTPS_PROXY: p.url }, trusted());
    expect((await record(a, options(`https://localhost:${s.port}`))).body.toString()).toBe('r0');
    expect((await record(a, options(`https://localhost:${s.port}`))).body.toString()).toBe('r1');
    expect(p.connects.map((c) => c.authority)).toEqual([`localhost:${s.port}`]);
    expect(p.connects[0]!.headers.host).toBe(`localhost:${s.port}`);
    expect(p.connects[0]!.headers['proxy-authorization']).toBeUndefined();
    expect(servernames).toEqual(['localhost']);
    expect(s.requests.map((q) => q.conn)).toEqual([0, 0]);
    expect(s.requests[0]!.headers.host).toBe(`localhost:${s.port}`);
    expect(s.requests[0]!.path).toBe('/x');
  });

  it('tunnels an http upstream with CONNECT too (never absolute-form)', async () => {
    const s = await fx.server((_q, sock) => sock.write(ok('plain')));
    const p = await proxy();
    const r = await record(agent({ HTTP_PROXY: p.url }), options(s.origin));
    expect(r.body.toString()).toBe('plain');
    expect(p.connects.map((c) => c.authority)).toEqual([`127.0.0.1:${s.port}`]);
    expect(p.plain).toEqual([]);
    expect(s.requests[0]!.path).toBe('/x');
  });

  it('sends the credentials of the proxy URL as Proxy-Authorization: Basic, to the proxy only', async () => {
    const s = await fx.server((_q, sock) => sock.write(ok('in')));
    const p = await proxy({ auth: 'me@corp:p:ss w' });
    const r = await record(agent({ HTTP_PROXY: `http://me%40corp:p%3Ass%20w@127.0.0.1:${p.port}` }), options(s.origin));
    expect(r.body.toString()).toBe('in');
    expect(p.connects[0]!.status).toBe(200);
    expect(s.requests[0]!.headers['proxy-authorization']).toBeUndefined();
  });

  it('reports a 407 as the proxy refusing the tunnel, naming the proxy and never its credentials', async () => {
    const s = await fx.server((_q, sock) => sock.write(ok('x')));
    const p = await proxy({ auth: 'me:right' });
    const r = await record(agent({ HTTP_PROXY: `http://me:wrong-secret@127.0.0.1:${p.port}` }), options(s.origin));
    expect(wellFormed(r)).toBe(true);
    expect(r.events.at(-1)).toBe('error');
    expect(r.error!.code).toBe('GW_UPSTREAM_PROXY');
    const answer = mapUpstreamError(r.error!, 'p');
    expect(answer).toMatchObject({ status: 502, code: 'upstream_unreachable', retryable: true });
    expect(answer.message).toBe(`The upstream provider "p" could not be reached through the proxy http://127.0.0.1:${p.port}: it answered 407 Proxy Authentication Required to CONNECT.`);
    expect(`${r.error!.message} ${answer.message}`).not.toMatch(/wrong-secret/);
    expect(s.requests).toHaveLength(0);
  });

  it('reports a 403 and a 502 to CONNECT the same way', async () => {
    const s = await fx.server((_q, sock) => sock.write(ok('x')));
    const gone = await closedPort();
    const p = await proxy({ refuse: (authority) => (authority.endsWith(`:${s.port}`) ? 403 : null) });
    const forbidden = await record(agent({ HTTP_PROXY: p.url }), options(s.origin));
    expect(mapUpstreamError(forbidden.error!, 'p').message).toMatch(/through the proxy http:\/\/127\.0\.0\.1:\d+: it answered 403 Forbidden to CONNECT\.$/);
    // The proxy cannot reach the upstream: its 502.
    const unreachable = await record(agent({ HTTP_PROXY: p.url }), options(`http://127.0.0.1:${gone}`));
    expect(unreachable.error!.code).toBe('GW_UPSTREAM_PROXY');
    expect(mapUpstreamError(unreachable.error!, 'p').message).toMatch(/it answered 502 Bad Gateway to CONNECT\.$/);
    expect(mapped(unreachable.error)).toBe('upstream_unreachable');
  });

  it('reports a proxy nobody listens on as the proxy that could not be reached', async () => {
    const port = await closedPort();
    const r = await record(agent({ HTTP_PROXY: `http://127.0.0.1:${port}` }), options('http://127.0.0.1:9'));
    expect(wellFormed(r)).toBe(true);
    expect(r.error!.code).toBe('GW_UPSTREAM_PROXY');
    expect(mapUpstreamError(r.error!, 'p').message).toBe(`The upstream provider "p" could not be reached through the proxy http://127.0.0.1:${port}: it could not be reached (ECONNREFUSED).`);
  });

  it('times out connecting when the proxy never answers CONNECT', async () => {
    const hole = fx.track(await silentServer());
    const r = await record(agent({ HTTP_PROXY: `http://127.0.0.1:${hole.port}` }, { connectTimeoutMs: 300 }), options('http://127.0.0.1:9'));
    expect(wellFormed(r)).toBe(true);
    expect(r.error!.code).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(mapped(r.error)).toBe('upstream_timeout');
  });

  it.skipIf(skip)('reports a certificate refused inside the tunnel as the upstream certificate it is', async () => {
    if ('skip' in certs) return;
    const s = await fx.server((_q, sock) => sock.write(ok('x')), { tls: certs.selfSigned });
    const p = await proxy();
    const r = await record(agent({ HTTPS_PROXY: p.url }), options(`https://localhost:${s.port}`));
    expect(r.error!.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(mapped(r.error)).toBe('upstream_tls_error');
    expect(p.connects).toHaveLength(1);
  });

  it('reaches the hosts of NO_PROXY directly, the others through the proxy', async () => {
    const s = await fx.server((_q, sock) => sock.write(ok('x')));
    const p = await proxy();
    const a = agent({ HTTP_PROXY: p.url, NO_PROXY: `example.test, localhost, 127.0.0.1:${s.port + 1}` });
    expect((await record(a, options(`http://localhost:${s.port}`))).body.toString()).toBe('x');
    expect(p.connects).toHaveLength(0);
    expect((await record(a, options(s.origin))).body.toString()).toBe('x');
    expect(p.connects.map((c) => c.authority)).toEqual([`127.0.0.1:${s.port}`]);
    const all = agent({ HTTP_PROXY: p.url, NO_PROXY: '*' });
    expect((await record(all, options(s.origin))).body.toString()).toBe('x');
    expect(p.connects).toHaveLength(1);
  });

  it('counts a tunnel being opened towards the bound per origin', async () => {
    const held: (() => void)[] = [];
    const s = await fx.server((_q, sock, n) => held.push(() => sock.write(ok(`r${n}`))));
    const p = await proxy();
    const a = agent({ HTTP_PROXY: p.url }, { maxConnectionsPerOrigin: 1 });
    const rs = [record(a, options(s.origin)), record(a, options(s.origin))];
    await until(() => held.length === 1);
    held.shift()!();
    await until(() => held.length === 1);
    held.shift()!();
    expect((await Promise.all(rs)).map((r) => r.body.toString())).toEqual(['r0', 'r1']);
    expect(p.connects).toHaveLength(1);
    expect(p.maxOpen).toBe(1);
  });

  // undici hands the controller over once the request has its connection (see conformance-bound).
  it.skipIf(client === 'undici')('an abort while the tunnel is being opened closes it', async () => {
    const hole = fx.track(await silentServer());
    const a = agent({ HTTP_PROXY: `http://127.0.0.1:${hole.port}` });
    let ctl!: UpstreamController;
    const p = record(a, options('http://127.0.0.1:9'), { onStart: (c) => (ctl = c) });
    await until(() => hole.sockets.length === 1);
    ctl.abort(new Error('client went away'));
    const r = await p;
    expect(r.events).toEqual(['start', 'error']);
    expect(r.error!.message).toBe('client went away');
    // The proxy's end of the tunnel sees it close.
    const sock = hole.sockets[0]!;
    sock.resume();
    await until(() => sock.destroyed);
  });
});
