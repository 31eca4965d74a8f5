// Hostile HTTP/1.1 on raw sockets: request smuggling by Content-Length, bodies nested deep
// enough to blow a recursion, heads uWS's parser refuses, odd methods, HEAD, and the server
// banner. What the JS listener can answer it answers in the OpenAI (or Anthropic) shape; what
// uWS's C++ parser decides before JS sees anything is pinned here as it behaves: never an
// answer, never a hang past uWS's idle timeout, never a crash, and others are served meanwhile.
//
// The pinned build (@trufflesuite/uws-js-unofficial 20.30.0 = uWebSockets C++ at 7999d09, just
// before v20.44.0 added parser error pages):
// - Transfer-Encoding with Content-Length, a Content-Length that is not digits ("abc", "3, 3"),
//   a method outside GET POST HEAD PUT DELETE CONNECT OPTIONS TRACE PATCH (or lower case), a
//   missing Host: the connection is closed at once, without a status;
// - a head the parser cannot read (obs-fold, a space before the colon, HTTP/1.0, an
//   authority-form or absolute-form target): it waits for more bytes, then closes the
//   connection without a status after HTTP_IDLE_TIMEOUT_S (10 s, 4 s timer granularity: 8–12 s),
//   or as soon as the unread head reaches 4 KB.
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedBasic, startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { parseResponses, rawConnect } from './support/raw-client.js';
import { useTestRedis } from './support/redis.js';

useTestRedis();
let fake: FakeProvider;
let t: TestGateway;
let key: string;

beforeAll(async () => {
  fake = await startFakeProvider();
  t = await startTestGateway({ GW_ADMIN_PORT: '0' });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(async () => {
  fake.reset();
  const registry = testRegistry();
  key = (await seedBasic(registry, fake.url)).rawKey;
  // An upstream model name that differs from the public one: the body is re-serialised.
  await registry.bindModel('renamed', { provider: 'fake', model: 'gpt-4o-mini-upstream' });
  await registry.redis.quit();
});

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

function head(method: string, path: string, extra: string): string {
  return `${method} ${path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n${extra}\r\n`;
}

/** Write `text`, wait until the server closes, and return the responses it sent. */
async function exchange(text: string, timeoutMs = 5000): Promise<{ responses: ReturnType<typeof parseResponses>; raw: string }> {
  const c = await rawConnect(t.gw.port);
  c.write(text);
  await c.waitClosed(timeoutMs);
  return { responses: parseResponses(c.data()), raw: c.data() };
}

/** A well-behaved client on its own connection. */
async function normalRequest(): Promise<number> {
  const r = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: CHAT });
  await r.text();
  return r.status;
}

describe('Content-Length (RFC 9112 §6.3, RFC 9110 §8.6)', () => {
  it('conflicting duplicates → 400 in the OpenAI shape and the connection closed; nothing goes upstream', async () => {
    const n = Buffer.byteLength(CHAT);
    const { responses } = await exchange(`${head('POST', '/v1/chat/completions', `Content-Length: ${n}\r\nContent-Length: ${n + 5}\r\nX-Request-Id: smuggle-1\r\n`)}${CHAT}GET /`);
    expect(responses).toHaveLength(1);
    expect(responses[0]!.status).toBe(400);
    expect(responses[0]!.headers.connection).toBe('close');
    expect(responses[0]!.headers['x-request-id']).toBe('smuggle-1');
    expect(JSON.parse(responses[0]!.body)).toEqual({
      error: { message: expect.stringContaining('Content-Length'), type: 'invalid_request_error', param: null, code: 'invalid_content_length' },
    });
    expect(fake.received).toHaveLength(0);
    expect(await normalRequest()).toBe(200);
  });

  it('a whole request smuggled behind conflicting lengths is never served (the connection closes first)', async () => {
    // Behind a request answered at once (a health check)…
    const hidden = 'GET /health HTTP/1.1\r\nHost: gw\r\nX-Request-Id: smuggled-1\r\n\r\n';
    const health = await exchange(`GET /health HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`);
    expect(health.raw).not.toContain('smuggled-1');
    for (const r of health.responses) expect(r.status).toBe(400);
    // …and behind one that goes upstream.
    const n = Buffer.byteLength(CHAT);
    const smuggled = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key}\r\nContent-Length: ${n}\r\n\r\n${CHAT}`;
    const { responses } = await exchange(`${head('POST', '/v1/chat/completions', `Content-Length: ${n}\r\nContent-Length: ${n + smuggled.length}\r\n`)}${CHAT}${smuggled}`);
    // uWS closes a connection whose next request arrives while one is unanswered; the 400 is
    // sent only when the connection is still there for it. Either way nothing is served.
    for (const r of responses) expect(r.status).toBe(400);
    expect(fake.received).toHaveLength(0);
  });

  it('on an Anthropic route the 400 is Anthropic-shaped; on a GET it is refused too', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const n = Buffer.byteLength(body);
    const a = await exchange(`${head('POST', '/v1/messages', `Content-Length: ${n}\r\nContent-Length: 1\r\n`)}${body}`);
    expect(a.responses[0]!.status).toBe(400);
    expect(JSON.parse(a.responses[0]!.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const g = await exchange(head('GET', '/v1/models', 'Content-Length: 0\r\nContent-Length: 7\r\n'));
    expect(g.responses.map((r) => r.status)).toEqual([400]);
    expect(fake.received).toHaveLength(0);
  });

  it('identical duplicates are accepted (RFC 9110 §8.6 allows it; the framing is not ambiguous)', async () => {
    const n = Buffer.byteLength(CHAT);
    const c = await rawConnect(t.gw.port);
    c.write(`${head('POST', '/v1/chat/completions', `Content-Length: ${n}\r\nContent-Length: ${n}\r\n`)}${CHAT}`);
    await c.waitFor(/"chat\.completion"[\s\S]*\}$/);
    expect(parseResponses(c.data()).map((r) => r.status)).toEqual([200]);
    c.destroy();
  });
});

describe('deeply nested JSON', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const cases: Array<[string, string, string]> = [
    ['chat, model renamed upstream (was a 500)', '/v1/chat/completions', `{"model":"renamed","messages":[{"role":"user","content":"hi"}],"x":${deep(100_000)}}`],
    ['chat, passed through as is (was sent upstream)', '/v1/chat/completions', `{"model":"gpt-4o-mini","messages":${deep(100_000)}}`],
    ['messages converted for an OpenAI upstream', '/v1/messages', `{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"metadata":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`],
    ['count_tokens estimated locally', '/v1/messages/count_tokens', `{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":${deep(100_000)}}]}]}`],
  ];

  it.each(cases)('%s → 400 invalid_json, nothing upstream', async (_name, path, body) => {
    const { responses } = await exchange(`${head('POST', path, `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n`)}${body}`);
    expect(responses.map((r) => r.status)).toEqual([400]);
    const parsed = JSON.parse(responses[0]!.body);
    if (path.startsWith('/v1/messages')) expect(parsed).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('nested') } });
    else expect(parsed.error).toMatchObject({ code: 'invalid_json', message: expect.stringContaining('nested') });
    expect(fake.received).toHaveLength(0);
  });

  it('nesting up to the limit is served', async () => {
    const body = `{"model":"renamed","messages":[{"role":"user","content":"hi"}],"x":${deep(120)}}`;
    const { responses } = await exchange(`${head('POST', '/v1/chat/completions', `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n`)}${body}`);
    expect(responses.map((r) => r.status)).toEqual([200]);
  });
});

describe('methods', () => {
  it.each(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'])('%s on an API route → 405 in the route\'s shape', async (m) => {
    const openai = await exchange(head(m, '/v1/chat/completions', 'Content-Length: 0\r\nConnection: close\r\n'));
    expect(openai.responses.map((r) => r.status)).toEqual([405]);
    expect(JSON.parse(openai.responses[0]!.body).error).toMatchObject({ code: 'method_not_allowed', type: 'invalid_request_error' });
    const anthropic = await exchange(head(m, '/v1/messages', 'Content-Length: 0\r\nConnection: close\r\n'));
    expect(anthropic.responses.map((r) => r.status)).toEqual([405]);
    expect(JSON.parse(anthropic.responses[0]!.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('HEAD gets the headers of GET and no body, so the next response on the connection is read right', async () => {
    const c = await rawConnect(t.gw.port);
    c.write('HEAD /health HTTP/1.1\r\nHost: gw\r\nX-Request-Id: head-1\r\n\r\nGET /health HTTP/1.1\r\nHost: gw\r\nX-Request-Id: get-1\r\n\r\n');
    await c.waitFor(/get-1[\s\S]*\}$/);
    const text = c.data();
    const first = text.slice(0, text.indexOf('\r\n\r\n') + 4);
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(first).toMatch(/x-request-id: head-1/);
    expect(first).toMatch(/Content-Length: 15\r\n/);
    expect(text.slice(first.length)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*x-request-id: get-1[\s\S]*\r\n\r\n\{"status":"ok"\}$/);
    c.destroy();
  });
});

describe('the server banner', () => {
  it('no response says which server build answers (public listener: 200, 4xx, a stream, a listener refusal; admin listener)', async () => {
    const n = Buffer.byteLength(CHAT);
    const stream = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const texts = [
      (await exchange(`${head('POST', '/v1/chat/completions', `Content-Length: ${n}\r\nConnection: close\r\n`)}${CHAT}`)).raw,
      (await exchange(`${head('POST', '/v1/chat/completions', `Content-Length: ${Buffer.byteLength(stream)}\r\nConnection: close\r\n`)}${stream}`)).raw,
      (await exchange('GET /v1/nope HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n')).raw,
      (await exchange(head('POST', '/v1/chat/completions', `Content-Length: 999999999\r\n`))).raw,
    ];
    const admin = await rawConnect(t.gw.adminPort!);
    admin.write('GET /health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
    await admin.waitClosed();
    texts.push(admin.data());
    expect(texts[1]).toMatch(/text\/event-stream/);
    for (const text of texts) {
      expect(text).toMatch(/^HTTP\/1\.1 \d{3} /);
      expect(text.toLowerCase()).not.toContain('uwebsockets');
    }
  });
});

describe('heads uWS refuses before JS sees them: closed without an answer, never a hang or a crash', () => {
  it(
    'closed at once: TE + CL, bad Content-Length, unknown or lower-case method, no Host; after the idle timeout: obs-fold, a space before the colon, HTTP/1.0, CONNECT host:port, an absolute URL',
    async () => {
      const now: Array<[string, string]> = [
        ['TE + CL', 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
        ['Content-Length abc', 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: abc\r\n\r\n'],
        ['Content-Length list', 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 3, 3\r\n\r\nabc'],
        ['unknown method', 'FOO /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n'],
        ['WebDAV method', 'PROPFIND /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n'],
        ['lower-case method', 'get /health HTTP/1.1\r\nHost: gw\r\n\r\n'],
        ['no Host', 'GET /health HTTP/1.1\r\nX-A: b\r\n\r\n'],
      ];
      const idle: Array<[string, string]> = [
        ['obs-fold (space)', 'GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Folded: one\r\n two\r\n\r\n'],
        ['obs-fold (tab)', 'GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Folded: one\r\n\ttwo\r\n\r\n'],
        ['space before colon', 'GET /health HTTP/1.1\r\nHost : gw\r\n\r\n'],
        ['HTTP/1.0', 'GET /health HTTP/1.0\r\nHost: gw\r\n\r\n'],
        ['CONNECT authority-form', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
        ['absolute-form', 'GET http://gw/health HTTP/1.1\r\nHost: gw\r\n\r\n'],
      ];
      const open = async (cases: Array<[string, string]>) =>
        Promise.all(
          cases.map(async ([name, text]) => {
            const c = await rawConnect(t.gw.port);
            c.write(text);
            return { name, c };
          }),
        );
      const waiting = await open(idle);
      const closing = await open(now);
      await Promise.all(closing.map(({ c }) => c.waitClosed(5000)));
      // The immediate ones closed while the unreadable heads still wait (8 s at least).
      expect(waiting.filter(({ c }) => c.closed()).map(({ name }) => name)).toEqual([]);
      expect(await normalRequest()).toBe(200);
      await Promise.all(waiting.map(({ c }) => c.waitClosed(20_000)));
      const answered = [...closing, ...waiting].filter(({ c }) => c.data() !== '').map(({ name, c }) => `${name}: ${c.data().slice(0, 40)}`);
      expect(answered).toEqual([]);
      expect(await normalRequest()).toBe(200);
      expect(fake.received.filter((r) => r.path !== '/v1/chat/completions')).toHaveLength(0);
    },
    40_000,
  );
});
