// Hostile and broken clients on raw sockets: each is answered or closed cleanly, and a normal
// client is served while it happens and after.
//
// uWebSockets.js limits these tests rely on (v20 — see docs/ or the report):
// - a connection with an unfinished request (idle, trickled headers, a body slower than
//   16 KB/s) is closed after HTTP_IDLE_TIMEOUT_S = 10 s (4 s timer granularity: 8–12 s), without an answer;
// - request headers larger than UWS_HTTP_MAX_HEADERS_SIZE (4 KB default, env var read at
//   process start) that span several reads close the connection without an answer;
// - more than 100 headers (compile-time UWS_HTTP_MAX_HEADERS_COUNT): no answer, idle timeout;
// - pipelining works for synchronous answers; a request pipelined behind one still being
//   answered asynchronously closes the connection (uWS refuses async pipelining).
// The gateway adds GW_MAX_BODY_BYTES (413) and GW_BODY_TIMEOUT_MS (408).
import { execFileSync } from 'node:child_process';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scrape, sum, type Sample } from './observability-helpers.js';
import { ensureBuilt } from './support/cli.js';
import { seedBasic, spawnGateway, startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { parseResponses, rawConnect, type RawConn } from './support/raw-client.js';
import { useTestRedis } from './support/redis.js';

useTestRedis();
let fake: FakeProvider;
let t: TestGateway;
let key: string;
const LIMIT = 4096;

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeProvider();
  t = await startTestGateway({ GW_MAX_BODY_BYTES: String(LIMIT), GW_BODY_TIMEOUT_MS: '600', GW_ADMIN_PORT: '0' });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(async () => {
  const registry = testRegistry();
  key = (await seedBasic(registry, fake.url)).rawKey;
  await registry.redis.quit();
});

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

/** A well-behaved client: must get its 200 whatever the others do. */
async function normalRequest(url = t.url): Promise<number> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: CHAT,
  });
  await r.text();
  return r.status;
}

function postHead(extra: string, path = '/v1/chat/completions'): string {
  return `POST ${path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n${extra}\r\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('request bodies', () => {
  it('a declared content-length over GW_MAX_BODY_BYTES gets 413 at once and the connection is closed', async () => {
    const c = await rawConnect(t.gw.port);
    c.write(postHead(`Content-Length: ${LIMIT * 100}\r\n`)); // headers only: the body never comes
    await c.waitClosed();
    const [res] = parseResponses(c.data());
    expect(res?.status).toBe(413);
    expect(JSON.parse(res!.body)).toMatchObject({ error: { code: 'request_too_large', type: 'invalid_request_error' } });
    expect(await normalRequest()).toBe(200);
  });

  it('a chunked body sent slowly gets 413 when it crosses the limit, then the connection is closed', async () => {
    const c = await rawConnect(t.gw.port);
    c.write(postHead('Transfer-Encoding: chunked\r\n'));
    const piece = 'x'.repeat(500);
    let sent = 0;
    while (!c.closed() && sent < LIMIT * 4) {
      c.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      sent += piece.length;
      await sleep(10);
      if (sent === LIMIT / 2) expect(await normalRequest()).toBe(200); // served meanwhile
    }
    await c.waitClosed();
    const [res] = parseResponses(c.data());
    expect(res?.status).toBe(413);
    expect(sent).toBeGreaterThan(LIMIT); // answered once the limit was crossed, not before
    expect(await normalRequest()).toBe(200);
  });

  it('a body trickled slower than GW_BODY_TIMEOUT_MS allows gets 408 and the connection is closed', async () => {
    const c = await rawConnect(t.gw.port);
    c.write(postHead('Content-Length: 2000\r\n'));
    const trickle = setInterval(() => c.write('{"a"'), 50);
    try {
      expect(await normalRequest()).toBe(200);
      await c.waitClosed(5000);
    } finally {
      clearInterval(trickle);
    }
    const [res] = parseResponses(c.data());
    expect(res?.status).toBe(408);
    expect(JSON.parse(res!.body)).toMatchObject({ error: { code: 'request_timeout' } });
    expect(await normalRequest()).toBe(200);
  });
});

describe('bodies the listener refuses are counted and answered in the shape of their route', () => {
  /** llmgw_requests_total of a refusal: no model or provider was ever resolved. */
  const refused = (s: Sample[], endpoint: string) =>
    sum(s, 'llmgw_requests_total', { model: 'none', provider: 'none', status_class: '4xx', endpoint });

  /** Send `head` (and, if given, trickle `{"a"` until the server closes); the one answer and the metrics after it. */
  async function refusedBy(head: string, trickle: boolean): Promise<{ status: number; body: any; requestId: string | undefined; after: Sample[] }> {
    const c = await rawConnect(t.gw.port);
    c.write(head);
    const timer = trickle ? setInterval(() => c.write('{"a"'), 50) : null;
    try {
      await c.waitClosed(5000);
    } finally {
      if (timer) clearInterval(timer);
    }
    const [res] = parseResponses(c.data());
    return { status: res!.status, body: JSON.parse(res!.body), requestId: res!.headers['x-request-id'], after: await scrape(t.gw.adminPort!) };
  }

  it('413 on /v1/chat/completions: OpenAI shape, one 4xx for the endpoint', async () => {
    const before = await scrape(t.gw.adminPort!);
    const r = await refusedBy(postHead(`Content-Length: ${LIMIT * 100}\r\nX-Request-Id: big-chat-1\r\n`), false);
    expect(r.status).toBe(413);
    expect(r.requestId).toBe('big-chat-1');
    expect(r.body).toEqual({ error: { message: `Request body exceeds the limit of ${LIMIT} bytes.`, type: 'invalid_request_error', param: null, code: 'request_too_large' } });
    expect(refused(r.after, '/chat/completions') - refused(before, '/chat/completions')).toBe(1);
  });

  it('413 on /v1/messages (chunked, crossing the limit): Anthropic shape, counted under /messages', async () => {
    const before = await scrape(t.gw.adminPort!);
    const c = await rawConnect(t.gw.port);
    c.write(postHead('Transfer-Encoding: chunked\r\n', '/v1/messages'));
    const piece = 'x'.repeat(1000);
    for (let sent = 0; !c.closed() && sent < LIMIT * 4; sent += piece.length) {
      c.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      await sleep(5);
    }
    await c.waitClosed();
    const [res] = parseResponses(c.data());
    expect(res?.status).toBe(413);
    expect(JSON.parse(res!.body)).toEqual({ type: 'error', error: { type: 'request_too_large', message: `Request body exceeds the limit of ${LIMIT} bytes.` } });
    const after = await scrape(t.gw.adminPort!);
    expect(refused(after, '/messages') - refused(before, '/messages')).toBe(1);
  });

  it('413 on /anthropic/v1/messages/count_tokens (declared): Anthropic shape, counted under its endpoint', async () => {
    const before = await scrape(t.gw.adminPort!);
    const r = await refusedBy(postHead(`Content-Length: ${LIMIT + 1}\r\n`, '/anthropic/v1/messages/count_tokens'), false);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    expect(refused(r.after, '/messages/count_tokens') - refused(before, '/messages/count_tokens')).toBe(1);
  });

  it('408 on /v1/messages: Anthropic shape (invalid_request_error, as every other 4xx without a type of its own), counted', async () => {
    const before = await scrape(t.gw.adminPort!);
    const r = await refusedBy(postHead('Content-Length: 2000\r\n', '/v1/messages'), true);
    expect(r.status).toBe(408);
    expect(r.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'The request body was not received within 600 ms.' } });
    expect(refused(r.after, '/messages') - refused(before, '/messages')).toBe(1);
  });

  it('408 on /v1/chat/completions: OpenAI shape, counted; an unknown route is counted as `other`, never by its path', async () => {
    const before = await scrape(t.gw.adminPort!);
    const r = await refusedBy(postHead('Content-Length: 2000\r\n'), true);
    expect(r.status).toBe(408);
    expect(r.body).toMatchObject({ error: { code: 'request_timeout', type: 'invalid_request_error' } });
    expect(refused(r.after, '/chat/completions') - refused(before, '/chat/completions')).toBe(1);

    const scan = await refusedBy(postHead(`Content-Length: ${LIMIT * 2}\r\n`, '/wp-admin/upload-123'), false);
    expect(scan.status).toBe(413);
    expect(scan.body).toMatchObject({ error: { code: 'request_too_large' } });
    expect(refused(scan.after, 'other') - refused(r.after, 'other')).toBe(1);
    expect(scan.after.some((s) => Object.values(s.labels).some((v) => v.includes('wp-admin')))).toBe(false);
  });

  it('413 and 408 each get the access line of any other request, without the body or the key', async () => {
    const lines = (reqId: string) => t.logs.json().filter((l) => l.msg === 'request' && l.reqId === reqId);
    const refusal = { keyId: null, keyName: null, model: null, provider: null, upstreamModel: null, attempts: 0, stream: false, ttfbMs: null, overheadMs: null, tokens: null, costUsd: null, clientAborted: false };
    const big = await refusedBy(postHead(`Content-Length: ${LIMIT * 100}\r\nX-Request-Id: log-413\r\n`), false);
    expect(big.status).toBe(413);
    await expect.poll(() => lines('log-413')).toHaveLength(1);
    expect(lines('log-413')[0]).toMatchObject({
      level: 30,
      method: 'POST',
      endpoint: '/chat/completions',
      status: 413,
      errorCode: 'request_too_large',
      error: `Request body exceeds the limit of ${LIMIT} bytes.`,
      ...refusal,
    });

    const slow = await refusedBy(postHead('Content-Length: 2000\r\nX-Request-Id: log-408\r\n', '/v1/messages'), true);
    expect(slow.status).toBe(408);
    await expect.poll(() => lines('log-408')).toHaveLength(1);
    const timedOut = lines('log-408')[0]!;
    expect(timedOut).toMatchObject({ endpoint: '/messages', status: 408, errorCode: 'request_timeout', ...refusal });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(500); // GW_BODY_TIMEOUT_MS is 600

    // The same line format as a request that went through: same fields, nothing more.
    expect(await normalRequest()).toBe(200);
    const served = t.logs.json().filter((l) => l.msg === 'request' && l.status === 200).at(-1)!;
    expect(Object.keys(lines('log-413')[0]!).sort()).toEqual(Object.keys(served).sort());
    // Neither the trickled body nor the raw key in the Authorization header is logged.
    for (const l of [...lines('log-413'), timedOut]) {
      expect(JSON.stringify(l)).not.toContain(key);
      expect(JSON.stringify(l)).not.toContain('{"a"');
    }
  });

  it('a client gone before its body timed out is not answered, so not counted', async () => {
    const before = await scrape(t.gw.adminPort!);
    const c = await rawConnect(t.gw.port);
    c.write(postHead('Content-Length: 2000\r\n', '/v1/messages'));
    c.write('{"a"');
    await sleep(50);
    c.destroy();
    await sleep(900); // past GW_BODY_TIMEOUT_MS
    const after = await scrape(t.gw.adminPort!);
    expect(refused(after, '/messages') - refused(before, '/messages')).toBe(0);
  });
});

describe('headers and pipelining', () => {
  it('headers over 4 KB arriving in pieces close the connection without an answer (uWS UWS_HTTP_MAX_HEADERS_SIZE)', async () => {
    const c = await rawConnect(t.gw.port);
    c.write(`GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Big: ${'a'.repeat(3000)}`);
    await sleep(50);
    c.write(`${'a'.repeat(3000)}\r\n\r\n`);
    await c.waitClosed();
    expect(c.data()).toBe('');
    expect(await normalRequest()).toBe(200);
  });

  it('two synchronous requests in one write get two answers, in order', async () => {
    const c = await rawConnect(t.gw.port);
    c.write('GET /health HTTP/1.1\r\nHost: gw\r\nX-Request-Id: first-one\r\n\r\nGET /ready HTTP/1.1\r\nHost: gw\r\nX-Request-Id: second-one\r\n\r\n');
    await c.waitFor(/second-one[\s\S]*\}$/);
    const responses = parseResponses(c.data());
    expect(responses.map((r) => [r.status, r.headers['x-request-id']])).toEqual([
      [200, 'first-one'],
      [200, 'second-one'],
    ]);
    expect(JSON.parse(responses[1]!.body)).toMatchObject({ status: 'ready' });
    c.destroy();
  });

  it('a request pipelined behind one still being answered gets the connection closed, cleanly', async () => {
    const c = await rawConnect(t.gw.port);
    const one = `${postHead(`Content-Length: ${Buffer.byteLength(CHAT)}\r\n`)}${CHAT}`;
    c.write(one + one);
    await c.waitClosed();
    // Never two answers mixed up: nothing, or whole responses.
    const responses = parseResponses(c.data());
    expect(responses.length).toBeLessThanOrEqual(1);
    for (const r of responses) expect(r.status).toBe(200);
    expect(await normalRequest()).toBe(200);
  });
});

/** File descriptors this process may open (the gateway process gets the same limit). */
function fdLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 1024;
  } catch {
    return 1024;
  }
}

describe('connection floods (a separate gateway process, so each side has its own descriptors)', () => {
  it(
    'thousands of idle connections, trickled headers and too many headers: others are served, uWS closes them all after its idle timeout',
    async () => {
      const gw = await spawnGateway();
      const idle: RawConn[] = [];
      try {
        const n = Math.min(2000, fdLimit() - 300);
        expect(n).toBeGreaterThan(500); // a test with a handful of sockets would prove nothing
        for (let i = 0; i < n; i += 250) {
          idle.push(...(await Promise.all(Array.from({ length: Math.min(250, n - i) }, () => rawConnect(gw.port)))));
        }
        const loris = await rawConnect(gw.port);
        loris.write('GET /v1/models HTTP/1.1\r\nHost: gw\r\n');
        const trickle = setInterval(() => loris.write(`X-Slow-${Date.now()}: 1\r\n`), 300);
        const many = await rawConnect(gw.port);
        many.write(`GET /health HTTP/1.1\r\nHost: gw\r\n${Array.from({ length: 150 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);
        try {
          // Everyone else is served while all of them hang on.
          const statuses = await Promise.all(Array.from({ length: 20 }, () => normalRequest(gw.url)));
          expect(statuses).toEqual(Array(20).fill(200));
          expect(idle.filter((c) => c.closed())).toHaveLength(0);

          // uWS's slow-loris protection closes every one of them, without an answer.
          await Promise.all([...idle, loris, many].map((c) => c.waitClosed(20_000)));
        } finally {
          clearInterval(trickle);
        }
        expect(loris.data()).toBe('');
        expect(many.data()).toBe('');
        expect(await normalRequest(gw.url)).toBe(200);
      } finally {
        for (const c of idle) c.destroy();
        await gw.stop('SIGKILL');
      }
    },
    45_000,
  );
});
