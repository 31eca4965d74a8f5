// OpenTelemetry traces: OTLP/HTTP JSON to a receiver (a plain HTTP server here), one server span
// per request with the GenAI attributes and a client span per upstream attempt; the incoming
// traceparent honoured and the attempt's span sent upstream; nothing sent when traces are off.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../packages/gateway/src/config.js';
import { chat, seedModel } from './routing-helpers.js';
import { startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { useTestRedis } from './support/redis.js';

useTestRedis();

interface Export {
  headers: IncomingMessage['headers'];
  path: string;
  raw: string;
  body: any;
}

/** What the receiver got: each export request, and every span with its attributes as a plain map. */
const exports: Export[] = [];
let receiver: Server;
let otlpUrl = '';
let a: FakeProvider;
let b: FakeProvider;
const gateways: TestGateway[] = [];
const registry = testRegistry();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      exports.push({ headers: req.headers, path: req.url ?? '', raw, body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  otlpUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  [a, b] = await Promise.all([startFakeProvider(), startFakeProvider()]);
});
beforeEach(() => {
  exports.length = 0;
  a.reset();
  b.reset();
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), new Promise((r) => receiver?.close(r)), registry.redis.quit()]);
});

type Span = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; status: { code: number }; attrs: Record<string, unknown> };

function spans(): Span[] {
  return exports.flatMap((e) =>
    e.body.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) =>
        ss.spans.map((s: any) => ({
          ...s,
          attrs: Object.fromEntries(s.attributes.map((x: any) => [x.key, x.value.stringValue ?? x.value.boolValue ?? (x.value.intValue !== undefined ? Number(x.value.intValue) : x.value.doubleValue)])),
        })),
      ),
    ),
  );
}

async function gateway(env: Record<string, string>): Promise<TestGateway> {
  const g = await startTestGateway({ GW_EXPOSE_SELECTION: '1', OTEL_BSP_SCHEDULE_DELAY: '50', ...env });
  gateways.push(g);
  return g;
}

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('traces', () => {
  it('off by default, and with OTEL_TRACES_EXPORTER=none: nothing is sent, the client traceparent goes upstream as it came', async () => {
    await seedModel(registry, 'routed', { a: { fake: a } });
    const key = (await registry.createKey({ name: 'k-off' })).raw;
    for (const env of [{}, { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl }] as Record<string, string>[]) {
      const g = await gateway(env);
      const tp = `00-${PARENT_TRACE}-${PARENT_SPAN}-01`;
      expect((await chat(g.url, key, {}, { traceparent: tp })).status).toBe(200);
      expect(a.received.at(-1)!.headers.traceparent).toBe(tp);
      await g.close(); // a tracer would flush its spans here
      gateways.length = 0;
    }
    expect(exports).toHaveLength(0);
  });

  it('a failover: one server span (child of the incoming traceparent) with the GenAI attributes, a client span per attempt, each attempt\'s span sent upstream', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: a, priority: 0 }, b: { fake: b, priority: 1 } });
    const key = (await registry.createKey({ name: 'k-traced' })).raw;
    a.setBehaviour({ status: 502 });
    const g = await gateway({ OTEL_EXPORTER_OTLP_ENDPOINT: `${otlpUrl}/`, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20otlp-token,x-tenant=t1', OTEL_SERVICE_NAME: 'gw-test' });
    const r = await chat(g.url, key, { messages: [{ role: 'user', content: 'the plan is purple' }], max_tokens: 33, temperature: 0.5 }, { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` });
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    await expect.poll(() => spans().length, { timeout: 5000 }).toBe(3);

    expect(exports[0]!.path).toBe('/v1/traces');
    expect(exports[0]!.headers['content-type']).toBe('application/json');
    expect(exports[0]!.headers.authorization).toBe('Bearer otlp-token');
    expect(exports[0]!.headers['x-tenant']).toBe('t1');
    const resource = exports[0]!.body.resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'gw-test' } });

    const [server, ...attempts] = [spans().find((s) => s.kind === 2)!, ...spans().filter((s) => s.kind === 3)];
    expect(server).toMatchObject({ traceId: PARENT_TRACE, parentSpanId: PARENT_SPAN, name: 'chat routed' });
    expect(server.attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'routed',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 33,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.usage.input_tokens': r.json.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': r.json.usage.completion_tokens,
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'http.route': '/chat/completions',
      'llmgw.attempts': 2,
      'llmgw.request_id': r.headers.get('x-request-id'),
    });
    expect(server.status.code).toBe(0);
    expect(attempts).toHaveLength(2);
    for (const s of attempts) expect(s).toMatchObject({ traceId: PARENT_TRACE, parentSpanId: server.spanId, name: 'chat gpt-4o-mini' });
    const [first, second] = attempts.sort((x, y) => (x.attrs['llmgw.provider'] === n.a ? -1 : y.attrs['llmgw.provider'] === n.a ? 1 : 0));
    expect(first!.attrs).toMatchObject({ 'llmgw.provider': n.a, 'http.response.status_code': 502, 'error.type': 'upstream_error', 'server.address': '127.0.0.1' });
    expect(first!.status.code).toBe(2);
    expect(second!.attrs).toMatchObject({ 'llmgw.provider': n.b, 'http.response.status_code': 200 });
    expect(second!.attrs['error.type']).toBeUndefined();
    // Each upstream saw its own attempt's span as the parent, in the client's trace.
    expect(a.received[0]!.headers.traceparent).toBe(`00-${PARENT_TRACE}-${first!.spanId}-01`);
    expect(b.received[0]!.headers.traceparent).toBe(`00-${PARENT_TRACE}-${second!.spanId}-01`);
    // No prompt text, and no secret, in what was exported.
    const raw = exports.map((e) => e.raw).join('\n');
    expect(raw).not.toContain('purple');
    expect(raw).not.toContain(key);
    expect(raw).not.toMatch(/sk-[ab]-secret/);
    expect(g.gw.stats).toMatchObject({ traceSpansExported: 3, traceSpansDropped: 0 });
  });

  it('prompt text only with GW_TRACE_CAPTURE_CONTENT; a new trace without a traceparent; an unsampled parent is not traced', async () => {
    await seedModel(registry, 'routed', { a: { fake: a } });
    const key = (await registry.createKey({ name: 'k-content' })).raw;
    const g = await gateway({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlpUrl}/custom/traces`, GW_TRACE_CAPTURE_CONTENT: '1' });
    const unsampled = `00-${PARENT_TRACE}-${PARENT_SPAN}-00`;
    expect((await chat(g.url, key, {}, { traceparent: unsampled })).status).toBe(200);
    expect(a.received.at(-1)!.headers.traceparent).toBe(unsampled);
    expect((await chat(g.url, key, { messages: [{ role: 'user', content: 'the plan is purple' }] })).status).toBe(200);
    await expect.poll(() => spans().length, { timeout: 5000 }).toBe(2);
    await g.close();
    gateways.length = 0;
    expect(spans()).toHaveLength(2); // the unsampled request left none
    expect(exports[0]!.path).toBe('/custom/traces');
    const server = spans().find((s) => s.kind === 2)!;
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.traceId).not.toBe(PARENT_TRACE);
    expect(server.parentSpanId).toBeUndefined();
    expect(JSON.parse(server.attrs['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', content: 'the plan is purple' }]);
  });

  it('a refused request is traced too, with its error; a bad OTEL variable stops the boot naming it, not showing a header value', async () => {
    const g = await gateway({ OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl });
    const r = await chat(g.url, 'sk-not-a-key');
    expect(r.status).toBe(401);
    await expect.poll(() => spans().length, { timeout: 5000 }).toBe(1);
    expect(spans()[0]!.status.code).toBe(2);
    expect(spans()[0]!.attrs).toMatchObject({ 'http.response.status_code': 401, 'error.type': 'invalid_api_key' });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'sk-very-secret-token' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS="\*\*\*": /);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'sk-very-secret-token' })).not.toThrow(/very-secret/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
