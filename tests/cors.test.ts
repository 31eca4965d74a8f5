// CORS for browser clients (GW_CORS_ORIGINS): off by default (a preflight is 405, as before);
// on, a preflight from an allowed origin is answered 204 with the methods, the request headers
// the SDKs send and a max age, and every answer (JSON, streams, errors, the listener's own 413,
// /health) carries Access-Control-Allow-Origin and Vary: Origin and exposes x-request-id and the
// rate-limit headers, so that a page can read them. Raw requests: Node's fetch sends what it is
// told and enforces nothing, so every header the browser would check is checked here.
import { beforeEach, describe, expect, it } from 'vitest';
import { seedBasic } from './support/gateway.js';
import { rawConnect } from './support/raw-client.js';
import { useGatewayStack } from './support/stack.js';

const APP = 'http://app.test:5173';
const stack = useGatewayStack({
  gateways: [
    { GW_CORS_ORIGINS: `${APP}, https://ok.example/`, GW_MAX_BODY_BYTES: '4096', GW_CACHE_TTL_MS: '0' },
    { GW_CACHE_TTL_MS: '0' },
    { GW_CORS_ORIGINS: '*', GW_CACHE_TTL_MS: '0' },
  ],
});
const listed = () => stack.gws[0]!;
const off = () => stack.gws[1]!;
const anyOrigin = () => stack.gws[2]!;
let key: string;

beforeEach(async () => {
  ({ rawKey: key } = await seedBasic(stack.registry, stack.fake.url, { key: { rpm: 1000 } }));
});

/** What an OpenAI SDK in a browser asks for before a chat completion. */
const SDK_HEADERS = 'authorization,content-type,x-stainless-os,x-stainless-lang,x-stainless-retry-count,x-stainless-timeout,openai-beta';
const preflight = (url: string, origin: string, requestHeaders = SDK_HEADERS, path = '/v1/chat/completions') =>
  fetch(`${url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders } });
const chat = (url: string, origin: string | null, body: Record<string, unknown> = {}, k = key) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

function expectReadableBy(r: Response, origin: string): void {
  expect(r.headers.get('access-control-allow-origin')).toBe(origin);
  expect(r.headers.get('vary')).toBe('Origin');
  const exposed = r.headers.get('access-control-expose-headers')!.split(', ');
  expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-tokens', 'retry-after']));
  expect(r.headers.get('x-request-id')).toBeTruthy();
}

describe('GW_CORS_ORIGINS=<list>', () => {
  it('a preflight from a listed origin: 204, no body, methods, the SDK headers (x-stainless-* included), max age', async () => {
    const r = await preflight(listed().url, APP, `${SDK_HEADERS},anthropic-version,anthropic-dangerous-direct-browser-access,x-api-key`);
    expect(r.status).toBe(204);
    expect(await r.text()).toBe('');
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
    expect(r.headers.get('vary')).toBe('Origin');
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(r.headers.get('access-control-allow-headers')!.split(', ')).toEqual([...SDK_HEADERS.split(','), 'anthropic-version', 'anthropic-dangerous-direct-browser-access', 'x-api-key']);
    expect(r.headers.get('access-control-max-age')).toBe('7200');
    // Any path: the request itself gets its answer (a 404 too) with the headers the page needs.
    expect((await preflight(listed().url, 'https://ok.example', 'authorization', '/v1beta/openai/models')).status).toBe(204);
  });

  it('a request header nobody sends is left out, so the browser names it; a preflight without headers lists none', async () => {
    const r = await preflight(listed().url, APP, 'Authorization, X-Evil-Header, content-type');
    expect(r.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    const bare = await fetch(`${listed().url}/v1/models`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'GET' } });
    expect(bare.status).toBe(204);
    expect(bare.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('a preflight from another origin: 403 cors_origin_not_allowed, no Allow-Origin', async () => {
    const r = await preflight(listed().url, 'https://evil.example');
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('vary')).toBe('Origin');
    expect(((await r.json()) as any).error).toMatchObject({ code: 'cors_origin_not_allowed', message: expect.stringContaining('https://evil.example') });
    // On an Anthropic route, in Anthropic's shape.
    const a = await preflight(listed().url, 'https://evil.example', 'x-api-key', '/v1/messages');
    expect(((await a.json()) as any).type).toBe('error');
  });

  it('every answer to a listed origin is readable: JSON with the rate-limit headers, a stream, errors, 404, 413, /health', async () => {
    const ok = await chat(listed().url, APP);
    expect(ok.status).toBe(200);
    expectReadableBy(ok, APP);
    expect(ok.headers.get('x-ratelimit-remaining-requests')).toBeTruthy();
    await ok.text();

    const stream = await chat(listed().url, APP, { stream: true });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expectReadableBy(stream, APP);
    expect(await stream.text()).toContain('[DONE]');

    const badKey = await chat(listed().url, APP, {}, 'gw-not-a-key-0000000000');
    expect(badKey.status).toBe(401);
    expectReadableBy(badKey, APP);

    stack.fake.enqueue({ status: 500 });
    const upstream = await chat(listed().url, APP);
    expect(upstream.status).toBeGreaterThanOrEqual(500);
    expectReadableBy(upstream, APP);

    const notFound = await fetch(`${listed().url}/v1/nope`, { headers: { origin: APP } });
    expect(notFound.status).toBe(404);
    expectReadableBy(notFound, APP);

    const tooLarge = await fetch(`${listed().url}/v1/chat/completions`, { method: 'POST', headers: { origin: APP, authorization: `Bearer ${key}` }, body: 'x'.repeat(8192) });
    expect(tooLarge.status).toBe(413);
    expectReadableBy(tooLarge, APP);

    const health = await fetch(`${listed().url}/health`, { headers: { origin: 'https://ok.example' } });
    expectReadableBy(health, 'https://ok.example');
  });

  it('another origin, or none: served as before, with Vary: Origin and no Allow-Origin', async () => {
    for (const origin of ['https://evil.example', null]) {
      const r = await chat(listed().url, origin);
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      expect(r.headers.get('access-control-expose-headers')).toBeNull();
      expect(r.headers.get('vary')).toBe('Origin');
      await r.text();
    }
  });

  it("the page's origin and referer are not sent upstream (Anthropic refuses an Origin it was not told to expect)", async () => {
    const r = await fetch(`${listed().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', origin: APP, referer: `${APP}/chat?secret-page` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    await r.text();
    const sent = stack.fake.received[0]!.headers;
    expect(sent.origin).toBeUndefined();
    expect(sent.referer).toBeUndefined();
  });

  it('the 204 is a well-formed empty answer on a kept-alive connection', async () => {
    const c = await rawConnect(listed().gw.port);
    try {
      const req = `OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: x\r\nOrigin: ${APP}\r\nAccess-Control-Request-Method: POST\r\n\r\n`;
      c.write(req + req);
      const text = await c.waitFor(/(HTTP\/1\.1 204[\s\S]*?\r\n\r\n){2}/);
      expect(text.match(/HTTP\/1\.1 204 No Content\r\n/g)).toHaveLength(2);
      expect(c.closed()).toBe(false);
    } finally {
      c.destroy();
    }
  });
});

describe('GW_CORS_ORIGINS=*', () => {
  it('any origin: Allow-Origin *, preflights answered', async () => {
    const p = await preflight(anyOrigin().url, 'https://anywhere.example');
    expect(p.status).toBe(204);
    expect(p.headers.get('access-control-allow-origin')).toBe('*');
    const r = await chat(anyOrigin().url, 'https://anywhere.example');
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toContain('x-request-id');
    await r.text();
  });
});

describe('CORS off (the default)', () => {
  it('a preflight is 405 as before, and no answer carries CORS headers', async () => {
    const p = await preflight(off().url, APP);
    expect(p.status).toBe(405);
    expect(p.headers.get('access-control-allow-origin')).toBeNull();
    const r = await chat(off().url, APP);
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('vary')).toBeNull();
    await r.text();
  });
});
