import net from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({ env: { GW_MAX_BODY_BYTES: '65536' } });
const { redis, registry } = stack;
let rawKey: string;
let keyHash: string;
const SECRET = 'sk-upstream-failure-secret-777';

beforeEach(async () => {
  stack.fake.setBehaviour({ status: 200, headersDelayMs: 0, chunks: 5, chunkDelayMs: 0 });
  ({ rawKey, keyHash } = await seedBasic(registry, stack.fake.url, { secret: SECRET, key: { models: ['gpt-*'] } }));
});

type Init = { body?: string | Buffer; key?: string | null; headers?: Record<string, string>; path?: string; method?: string };
async function call(init: Init = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  const key = init.key === undefined ? rawKey : init.key;
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${stack.gw.url}${init.path ?? '/v1/chat/completions'}`, {
    method: init.method ?? 'POST',
    headers,
    body: init.method === 'GET' ? undefined : (init.body ?? JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* streams */
  }
  return { status: res.status, headers: res.headers, text, json };
}

function expectOpenAIError(r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.json?.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) });
  expect(r.json.error).toHaveProperty('param');
  expect(r.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
}

describe('bad input gets an OpenAI-shaped error and changes nothing', () => {
  it('malformed JSON → 400 invalid_json, nothing sent upstream', async () => {
    expectOpenAIError(await call({ body: '{"model": "gpt-4o-mini",' }), 400, 'invalid_json');
    expectOpenAIError(await call({ body: '' }), 400, 'invalid_json');
    expectOpenAIError(await call({ body: '[1,2]' }), 400, 'invalid_request');
    expect(stack.fake.received).toHaveLength(0);
  });
  it('missing model → 400 missing_model; unknown model → 404 model_not_found', async () => {
    const r = await call({ body: JSON.stringify({ messages: [] }) });
    expectOpenAIError(r, 400, 'missing_model');
    expect(r.json.error.param).toBe('model');
    expectOpenAIError(await call({ body: JSON.stringify({ model: 'gpt-unknown', messages: [] }) }), 404, 'model_not_found');
    expect(stack.fake.received).toHaveLength(0);
  });
  it('no key, wrong key → 401; the key is checked before the body is parsed', async () => {
    expectOpenAIError(await call({ key: null }), 401, 'missing_api_key');
    expectOpenAIError(await call({ key: 'gw-wrong-key-0000000000000000' }), 401, 'invalid_api_key');
    expectOpenAIError(await call({ key: 'gw-wrong-key-0000000000000000', body: '{bad' }), 401, 'invalid_api_key');
    expectOpenAIError(await call({ key: null, headers: { authorization: 'Basic abc' } }), 401, 'missing_api_key');
  });
  it('accepts the key as x-api-key too', async () => {
    const r = await call({ key: null, headers: { 'x-api-key': rawKey } });
    expect(r.status).toBe(200);
  });
  it('disabled key → 403, expired key → 401', async () => {
    await registry.updateKey(keyHash, () => ({ status: 'disabled' }));
    await expect.poll(async () => (await call()).status).toBe(403);
    expectOpenAIError(await call(), 403, 'key_disabled');
    await registry.updateKey(keyHash, () => ({ status: 'active', expires_at: new Date(Date.now() - 1000).toISOString() }));
    await expect.poll(async () => (await call()).status).toBe(401);
    expectOpenAIError(await call(), 401, 'expired_api_key');
  });
  it('model not allowed for the key → 403 model_not_allowed', async () => {
    await registry.bindModel('o3-pro', { provider: 'fake' });
    expectOpenAIError(await call({ body: JSON.stringify({ model: 'o3-pro', messages: [] }) }), 403, 'model_not_allowed');
    expect(stack.fake.received).toHaveLength(0);
  });
  it('body over the limit → 413 (declared length, answered without reading it)', async () => {
    const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] });
    expectOpenAIError(await call({ body: big }), 413, 'request_too_large');
    expect(stack.fake.received).toHaveLength(0);
    // the gateway keeps serving
    expect((await call()).status).toBe(200);
  });
  it('body over the limit sent chunked (no content-length) → 413', async () => {
    const status = await new Promise<string>((resolve, reject) => {
      const s = net.connect(stack.gw.gw.port, '127.0.0.1', () => {
        s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${rawKey}\r\nTransfer-Encoding: chunked\r\n\r\n`);
        const piece = 'a'.repeat(16_000);
        for (let i = 0; i < 6; i++) s.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      });
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\r\n')) {
          resolve(buf.split('\r\n')[0]!);
          s.destroy();
        }
      });
      s.on('error', reject);
    });
    expect(status).toMatch(/^HTTP\/1\.1 413/);
  });
  it('unknown route → 404, wrong method → 405, both OpenAI-shaped', async () => {
    expectOpenAIError(await call({ path: '/v1/nope' }), 404, 'unknown_url');
    expectOpenAIError(await call({ path: '/v1/chat/completions', method: 'GET' }), 405, 'method_not_allowed');
  });
  it('nothing was written to the registry by any of it', async () => {
    const rev = await redis.get('gw:rev');
    await call({ body: '{bad' });
    await call({ key: 'nope-nope-nope-nope-nope' });
    expect(await redis.get('gw:rev')).toBe(rev);
  });
});

describe('request ids', () => {
  it('takes a sane x-request-id from the client and forwards it upstream', async () => {
    const r = await call({ headers: { 'x-request-id': 'client-abc.123' } });
    expect(r.headers.get('x-request-id')).toBe('client-abc.123');
    expect(stack.fake.received.at(-1)!.headers['x-request-id']).toBe('client-abc.123');
    const r2 = await call({ headers: { 'x-request-id': 'bad id with spaces' } });
    expect(r2.headers.get('x-request-id')).toMatch(/^req_/);
  });
});

describe('upstream failures', () => {
  it('connect error → 502 upstream_unreachable', async () => {
    await registry.updateProvider('fake', () => ({ base_url: 'http://127.0.0.1:1/v1' }));
    await expect.poll(async () => (await call()).status).toBe(502);
    expectOpenAIError(await call(), 502, 'upstream_unreachable');
  });
  it('timeout before headers → 504 upstream_timeout', async () => {
    await registry.updateProvider('fake', () => ({ first_byte_timeout_ms: 200 }));
    await expect.poll(async () => (await registry.getProvider('fake'))?.first_byte_timeout_ms).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // let the event evict the cached provider
    stack.fake.setBehaviour({ headersDelayMs: 2000 });
    expectOpenAIError(await call(), 504, 'upstream_timeout');
  });
  it('upstream 4xx passes through as is, secrets scrubbed', async () => {
    stack.fake.setBehaviour({ status: 400, errorBody: { error: { message: `bad request for key ${SECRET}`, type: 'invalid_request_error', code: 'bad', param: 'messages' } } });
    const r = await call();
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('bad');
    expect(r.text).not.toContain(SECRET);
    expect(r.text).toContain('[redacted]');
    expect(stack.fake.received).toHaveLength(1); // a request-caused 400 is never retried
  });
  it('upstream 5xx passes through with its status when nothing else can serve', async () => {
    stack.fake.setBehaviour({ status: 503 });
    const r = await call();
    expect(r.status).toBe(503);
    expect(r.json.error).toBeTruthy();
  });
  it('upstream dies mid-stream → an SSE error event, then the stream ends', async () => {
    stack.fake.setBehaviour({ chunks: 10, dropAfterChunks: 2 });
    const r = await call({ body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] }) });
    expect(r.status).toBe(200);
    const events = r.text.split('\n\n').filter(Boolean);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ''));
    expect(last.error).toMatchObject({ code: 'upstream_error', type: 'server_error' });
    expect(events.some((e) => e.includes('"content"'))).toBe(true);
    expect(r.text).not.toContain('[DONE]');
    expect(stack.fake.received).toHaveLength(1); // never retried after the first byte
  });
  it('a client that goes away aborts the upstream request at once', async () => {
    stack.fake.setBehaviour({ chunks: 50, chunkDelayMs: 100 });
    const ac = new AbortController();
    const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    const seen = await stack.fake.waitFor((r) => r.aborted, 3000);
    expect(seen.aborted).toBe(true);
  });
});

describe('health', () => {
  it('/health is alive and /ready reflects Redis and the cache', async () => {
    expect((await call({ path: '/health', method: 'GET', key: null })).json).toEqual({ status: 'ok' });
    const ready = await call({ path: '/ready', method: 'GET', key: null });
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', registry: true });
  });
});
