import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseProm, sum, until } from './observability-helpers.js';
import { seedBasic, startTestGateway, type TestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

// Each describe starts the gateway it needs.
const stack = useGatewayStack({ gateways: [] });
const { registry } = stack;
let rawKey: string;

beforeEach(async () => {
  ({ rawKey } = await seedBasic(registry, stack.fake.url));
});

const adminGet = (gw: TestGateway, path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${gw.gw.adminPort}${path}`, init);

describe('the admin listener', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ GW_ADMIN_PORT: '0', GW_POD_NAME: 'pod-obs-1' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('listens on its own port and serves /metrics in the Prometheus text format', async () => {
    expect(gw.gw.adminPort).toBeGreaterThan(0);
    expect(gw.gw.adminPort).not.toBe(gw.gw.port);
    const res = await adminGet(gw, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# HELP llmgw_requests_total /m);
    expect(text).toMatch(/^# TYPE llmgw_gateway_overhead_seconds histogram$/m);
    expect(sum(parseProm(text), 'llmgw_build_info')).toBe(1);
  });

  it('/metrics and /status are not on the public port', async () => {
    for (const path of ['/metrics', '/status']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    }
  });

  it('/health and /ready answer like the public ones', async () => {
    const health = await adminGet(gw, '/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await adminGet(gw, '/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', registry: true, accepting: true });
  });

  it('/status reports build, uWS build, Redis, cache, registry revision and load', async () => {
    // The seeding's eviction events must have reached the gateway first, or one arriving late
    // would empty the cache this test then counts.
    const rev = await registry.revision();
    await until(() => gw.gw.cache.revision >= rev, 5000);
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    await r.text();
    const res = await adminGet(gw, '/status');
    expect(res.status).toBe(200);
     
    const s = (await res.json()) as any;
    expect(s).toMatchObject({
      status: 'ok',
      pod: 'pod-obs-1',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      node: process.version,
      uws: { pkg: gw.gw.uws.pkg, version: gw.gw.uws.version, kind: gw.gw.uws.kind, detail: gw.gw.uws.detail },
      accepting: true,
      redis: { mode: 'standalone', connection: 'ready', latencyMs: expect.any(Number) },
      registry: { healthy: true, revision: gw.gw.cache.revision },
      inFlight: 0,
      openStreams: expect.any(Number),
      usageEvents: { buffered: expect.any(Number), dropped: expect.any(Number) },
    });
    expect(s.redis.target).toMatch(/^redis:\/\/127\.0\.0\.1:\d+/);
    expect(s.cache.keys).toBeGreaterThanOrEqual(1);
    expect(s.cache.models).toBeGreaterThanOrEqual(1);
    expect(s.cache.providers).toBeGreaterThanOrEqual(1);
    expect(s.cache.hits + s.cache.misses).toBeGreaterThan(0);
    expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(s.startedAt)).not.toBeNaN();
  });

  it('answers 404 to unknown paths and 405 to other methods', async () => {
    expect((await adminGet(gw, '/nope')).status).toBe(404);
    expect((await adminGet(gw, '/metrics', { method: 'POST', body: 'x' })).status).toBe(405);
  });
});

describe('without GW_ADMIN_PORT', () => {
  it('there is no admin listener and no metrics', async () => {
    const gw = await startTestGateway();
    try {
      expect(gw.gw.adminPort).toBeNull();
      expect(gw.gw.metrics).toBeNull();
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(404);
      expect(gw.logs.text).not.toContain('admin listener');
      // The access log is still written.
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rawKey}`, 'x-request-id': 'no-admin-1' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await r.text();
      await until(() => gw.logs.json().some((l) => l.msg === 'request' && l.reqId === 'no-admin-1'));
    } finally {
      await gw.close();
    }
  });
});

describe('draining', () => {
  it('/ready answers 503 on the admin port while in-flight requests finish, then the listener closes', async () => {
    const gw = await startTestGateway({ GW_ADMIN_PORT: '0' });
    const adminPort = gw.gw.adminPort!;
    stack.fake.enqueue({ headersDelayMs: 800 });
    const slow = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await stack.fake.waitFor((r) => r.path === '/v1/chat/completions');
    expect(gw.gw.inFlight.count).toBe(1);
    const stopped = gw.gw.shutdown(10_000);
    const ready = await fetch(`http://127.0.0.1:${adminPort}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', accepting: false });
    const status = await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json();
    expect(status).toMatchObject({ status: 'draining', accepting: false, inFlight: 1 });
    const metrics = parseProm(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
    expect(sum(metrics, 'llmgw_in_flight_requests')).toBe(1);
    const res = await slow;
    expect(res.status).toBe(200);
    await res.text();
    expect(await stopped).toEqual({ drained: true });
    // New connections are refused (a kept-alive one may still be open, as on the public port).
    await expect(
      new Promise((resolve, reject) => net.connect(adminPort, '127.0.0.1').once('connect', resolve).once('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
