import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { until } from './observability-helpers.js';
import { seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const SECRET = 'sk-upstream-observability-secret-9f3a1c';
// Routing decision logs (GW_DEBUG) and debug lines must pass redaction too.
const stack = useGatewayStack({ fakeOptions: { requireKey: SECRET }, env: { GW_ADMIN_PORT: '0', GW_LOG_LEVEL: 'debug', GW_DEBUG: '1' } });
const { registry } = stack;
let rawKey: string;

beforeEach(async () => {
  stack.fake.setBehaviour({ status: 200, chunks: 3, promptTokens: 5, completionTokens: 3 });
  ({ rawKey } = await seedBasic(registry, stack.fake.url, { secret: SECRET }));
});

type Line = Record<string, any>;
const accessLines = (): Line[] => stack.gw.logs.json().filter((l) => l.msg === 'request');

async function accessLineFor(reqId: string): Promise<Line> {
  let line: Line | undefined;
  await until(() => (line = accessLines().find((l) => l.reqId === reqId)) !== undefined);
  return line!;
}

describe('one access line per request', () => {
  it('has the request id, key, model, provider, upstream model, status, attempts, timings, tokens and cost', async () => {
    await registry.bindModel('alias-mini', { provider: 'fake', model: 'gpt-4o-mini-2024' });
    const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json', 'x-request-id': 'obs-log-1' },
      body: JSON.stringify({ model: 'alias-mini', messages: [{ role: 'user', content: 'hello there' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const line = await accessLineFor('obs-log-1');
    const key = (await registry.listKeys())[0]!;
    expect(line).toMatchObject({
      level: 30,
      reqId: 'obs-log-1',
      method: 'POST',
      endpoint: '/chat/completions',
      keyId: key.id,
      keyName: key.name,
      model: 'alias-mini',
      provider: 'fake',
      upstreamModel: 'gpt-4o-mini-2024',
      status: 200,
      attempts: 1,
      stream: false,
      tokens: { prompt: 5, completion: 3, cached: 0, estimated: false },
      errorCode: null,
      clientAborted: false,
    });
    expect(line).toHaveProperty('costUsd');
    expect(line.durationMs).toBeGreaterThan(0);
    expect(line.ttfbMs).toBeGreaterThan(0);
    expect(line.overheadMs).toBeGreaterThan(0);
    expect(line.overheadMs).toBeLessThanOrEqual(line.durationMs);
    expect(accessLines().filter((l) => l.reqId === 'obs-log-1')).toHaveLength(1);
  });

  it('a stream, an error and a refused key each get their line', async () => {
    const client = new OpenAI({ apiKey: rawKey, baseURL: stack.gw.baseURL, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-request-id': 'obs-log-stream' } },
    );
    for await (const _ of stream) void _;
    expect(await accessLineFor('obs-log-stream')).toMatchObject({ stream: true, status: 200, tokens: { completion: 3 } });

    stack.fake.enqueue({ status: 400, errorBody: { error: { message: 'bad request', type: 'invalid_request_error', code: 'bad' } } });
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'obs-log-400' } }),
    ).rejects.toMatchObject({ status: 400 });
    expect(await accessLineFor('obs-log-400')).toMatchObject({ status: 400, provider: 'fake', attempts: 1 });

    const bad = await fetch(`${stack.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gw-not-a-key-123456', 'x-request-id': 'obs-log-401' }, body: '{}' });
    expect(bad.status).toBe(401);
    expect(await accessLineFor('obs-log-401')).toMatchObject({ status: 401, errorCode: 'invalid_api_key', keyId: null, model: null, provider: null, attempts: 0, ttfbMs: null, overheadMs: null });
  });

  it('a client that goes away is logged as aborted', async () => {
    stack.fake.enqueue({ headersDelayMs: 5_000 });
    const ac = new AbortController();
    const p = fetch(`${stack.gw.url}/v1/chat/completions`, {
      method: 'POST',
      signal: ac.signal,
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json', 'x-request-id': 'obs-log-abort' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    }).catch(() => null);
    await stack.fake.waitFor((r) => r.path === '/v1/chat/completions');
    ac.abort();
    await p;
    expect(await accessLineFor('obs-log-abort')).toMatchObject({ clientAborted: true });
  });
});

describe('secrets never leak', () => {
  it('the raw key and the upstream secret appear in no log line, metric or error body', async () => {
    const bodies: string[] = [];
    const call = async (init: { key?: string; body?: unknown; headers?: Record<string, string>; path?: string }) => {
      const res = await fetch(`${stack.gw.url}${init.path ?? '/v1/chat/completions'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${init.key ?? rawKey}`, 'content-type': 'application/json', ...init.headers },
        body: JSON.stringify(init.body ?? { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      bodies.push(await res.text());
      return res.status;
    };
    expect(await call({})).toBe(200);
    // An upstream that echoes the secret it was sent in its error body.
    stack.fake.enqueue({ status: 401, errorBody: { error: { message: `Incorrect API key provided: ${SECRET}`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
    expect(await call({})).toBeGreaterThanOrEqual(400);
    stack.fake.enqueue({ status: 500, errorBody: `upstream crashed while using ${SECRET}` });
    expect(await call({})).toBeGreaterThanOrEqual(500);
    // A key that looks like the real one but is not, and the real key in other headers.
    expect(await call({ key: `${rawKey}x` })).toBe(401);
    expect(await call({ headers: { 'x-api-key': rawKey } })).toBe(200);
    expect(await call({ body: { model: 'no-such-model', messages: [] } })).toBe(404);
    expect(await call({ path: '/v1/nope' })).toBe(404);
    // Failover across two providers, which makes the routing log its decision under GW_DEBUG.
    await registry.addProvider({ name: 'fake-2', base_url: stack.fake.url, secrets: [SECRET] });
    await registry.bindModel('gpt-4o-mini', { provider: 'fake-2', model: 'gpt-4o-mini' });
    await until(async () => (await stack.gw.gw.cache.getModel('gpt-4o-mini'))?.targets.length === 2);
    stack.fake.enqueue({ status: 503 });
    expect(await call({})).toBe(200);
    await until(() => stack.gw.gw.inFlight.count === 0);

    const metrics = await (await fetch(`http://127.0.0.1:${stack.gw.gw.adminPort}/metrics`)).text();
    const status = await (await fetch(`http://127.0.0.1:${stack.gw.gw.adminPort}/status`)).text();
    const logs = stack.gw.logs.text;
    expect(accessLines().length).toBeGreaterThanOrEqual(8);
    // GW_DEBUG's routing decisions are among the lines searched.
    expect(stack.gw.logs.lines.some((l) => l.includes('"msg":"routing decision"'))).toBe(true);
    expect(stack.fake.received.some((r) => r.headers.authorization === `Bearer ${SECRET}`)).toBe(true);
    for (const [what, text] of Object.entries({ logs, metrics, status, bodies: bodies.join('\n') })) {
      expect(text.includes(rawKey), `raw key in ${what}`).toBe(false);
      expect(text.includes(SECRET), `upstream secret in ${what}`).toBe(false);
    }
  });

  it('the logger redacts secrets wherever a debug log puts them', async () => {
    const provider = (await stack.gw.gw.cache.getProvider('fake'))!;
    expect(provider.secrets).toContain(SECRET);
    stack.gw.gw.log.debug({ provider, candidates: [{ provider, model: 'm' }], target: { provider }, req: { headers: { authorization: `Bearer ${rawKey}`, 'x-api-key': rawKey } } }, 'routing decision (test)');
    stack.gw.gw.log.flush?.();
    const line = stack.gw.logs.lines.find((l) => l.includes('routing decision (test)'))!;
    expect(line).toBeDefined();
    expect(line.includes(SECRET)).toBe(false);
    expect(line.includes(rawKey)).toBe(false);
    expect(line).toContain('[redacted]');
  });
});
