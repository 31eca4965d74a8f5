// Graceful shutdown of a real gateway process: SIGTERM closes the listener, turns /ready to
// 503, lets a running stream finish, flushes usage, and exits 0 — or 1 when the drain
// deadline had to cut a stream.
import net from 'node:net';
import { RT_KEYS } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/cli.js';
import { seedBasic, spawnGateway, testRegistry } from './support/gateway.js';
import { parseResponses, rawConnect } from './support/raw-client.js';
import { useTestRedis } from './support/redis.js';
import { streamEventCount, streamEvents } from './support/usage-stream.js';

const { redis } = useTestRedis();
let fake: FakeProvider;

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake?.close();
});

async function seed(): Promise<string> {
  const registry = testRegistry();
  try {
    return (await seedBasic(registry, fake.url)).rawKey;
  } finally {
    await registry.redis.quit();
  }
}

/** Open a streaming chat completion; resolves once the first bytes of the body arrived. */
async function openStream(url: string, key: string, behaviour: object) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-fake-behaviour': JSON.stringify(behaviour) },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'tell me a story' }] }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  const rest = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text, error: null as Error | null };
        text += decoder.decode(value, { stream: true });
      }
    } catch (e) {
      return { text, error: e as Error };
    }
  })();
  return { rest };
}

/** The SSE events of a chat stream that carry text. */
function contentDeltas(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => (JSON.parse(l.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '')
    .filter((c) => c.length > 0);
}

/** Resolves with 'refused' when nothing listens on the port any more. */
function tryConnect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', () => resolve('refused'));
  });
}

/** A raw keep-alive connection on which requests can be sent one after the other. */
async function keepAlive(port: number) {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  let buf = '';
  let closed = false;
  s.on('data', (d) => (buf += d.toString()));
  s.on('close', () => (closed = true));
  s.on('error', () => {});
  return {
    async get(path: string): Promise<string> {
      buf = '';
      s.write(`GET ${path} HTTP/1.1\r\nHost: gw\r\n\r\n`);
      await expect.poll(() => /\r\n\r\n[\s\S]*\}/.test(buf), { timeout: 5000 }).toBe(true);
      return buf;
    },
    closed: () => closed,
    destroy: () => s.destroy(),
  };
}

describe('graceful shutdown (SIGTERM)', () => {
  it('closes the listener, reports not ready, lets the open stream finish, flushes its usage and exits 0', async () => {
    const key = await seed();
    const gw = await spawnGateway({ GW_DRAIN_TIMEOUT_MS: '15000' });
    const conn = await keepAlive(gw.port);
    // Another client (think: a load balancer's idle keep-alive connection) that sends its next
    // request only once the drain has begun.
    const idle = await rawConnect(gw.port);
    try {
      expect(await conn.get('/ready')).toMatch(/^HTTP\/1\.1 200/);
      idle.write('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n');
      await idle.waitFor(/"ok"\}$/);
      // 30 chunks, 100 ms apart: about 3 s of stream, most of it after the signal.
      const stream = await openStream(gw.url, key, { chunks: 30, chunkDelayMs: 100 });
      const exited = gw.stop('SIGTERM');

      // New connections are refused at once; an already open keep-alive connection gets a 503
      // from /ready and is then closed by the gateway, so a load balancer moves on.
      await expect.poll(() => tryConnect(gw.port), { timeout: 2000 }).toBe('refused');
      const ready = await conn.get('/ready');
      expect(ready).toMatch(/^HTTP\/1\.1 503/);
      expect(ready).toContain('"accepting":false');
      await expect.poll(() => conn.closed(), { timeout: 2000 }).toBe(true);

      // A request on an already open connection is still served, then that connection closes.
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'late' }] });
      const before = idle.data().length;
      idle.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await idle.waitClosed();
      const [late] = parseResponses(idle.data().slice(before));
      expect(late?.status).toBe(200);
      expect(JSON.parse(late!.body)).toMatchObject({ object: 'chat.completion' });

      const { text, error } = await stream.rest;
      expect(error).toBeNull();
      expect(contentDeltas(text)).toHaveLength(30);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);

      expect(await exited).toBe(0);
      expect(gw.output()).toMatch(/"msg":"gateway stopped"/);
      expect(gw.output()).toMatch(/"drained":true/);
      // The stream's usage reached Redis before the process exited.
      const events = await streamEvents(redis);
      expect(events.length).toBe(2); // the stream and the late request
      expect(events[0]!.completion_tokens).toBeGreaterThan(0);
    } finally {
      conn.destroy();
      idle.destroy();
      await gw.stop('SIGKILL');
    }
  });

  it('cuts a stream that outlives GW_DRAIN_TIMEOUT_MS, still records its usage, and exits 1', async () => {
    const key = await seed();
    const gw = await spawnGateway({ GW_DRAIN_TIMEOUT_MS: '300' });
    try {
      // One estimated request first, so that this test is about the cut stream, not about the
      // tokenizer loading (flush waiting for pending estimates: governance-flush.test.ts).
      const warm = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-fake-behaviour': '{"noUsage":true}' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'warm up' }] }),
      });
      expect(warm.status).toBe(200);
      await expect.poll(() => streamEventCount(redis), { timeout: 5000 }).toBe(1);
      // 100 chunks, 100 ms apart: 10 s, far past the 300 ms deadline.
      const stream = await openStream(gw.url, key, { chunks: 100, chunkDelayMs: 100 });
      const exited = gw.stop('SIGTERM');
      expect(await exited).toBe(1);
      const { text } = await stream.rest; // ends (cut), never hangs
      expect(contentDeltas(text).length).toBeLessThan(100);
      expect(text).toMatch(/data: \{"error":/); // the client learns the stream was cut
      expect(gw.output()).toMatch(/drain deadline reached/);
      expect(gw.output()).toMatch(/"drained":false/);
      expect(await streamEventCount(redis)).toBe(2);
      // The gateway cut it, not the provider: its health is untouched.
      expect(await redis.exists(RT_KEYS.providerHealth('fake'))).toBe(0);
    } finally {
      await gw.stop('SIGKILL');
    }
  });

  it('a request the drain deadline cuts before the upstream answered gets 503 shutting_down and is not held against the provider', async () => {
    const key = await seed();
    const gw = await spawnGateway({ GW_DRAIN_TIMEOUT_MS: '300' });
    try {
      const content = 'cut before the first byte';
      // The upstream holds its headers for 10 s: the deadline falls before its first byte.
      const pending = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-fake-behaviour': '{"headersDelayMs":10000}', 'x-request-id': 'drain-cut-1' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] }),
      });
      await fake.waitFor((r) => r.json?.messages?.[0]?.content === content);
      const exited = gw.stop('SIGTERM');
      const res = await pending;
      // The gateway ended it, so it says so: not a 502 blaming the upstream.
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'shutting_down', type: 'server_error' } });
      expect(await exited).toBe(1);
      expect(gw.output()).toMatch(/"reqId":"drain-cut-1".*"status":503.*"errorCode":"shutting_down"/);
      // Not a provider failure: no failure counted, no cooldown, in Redis or anywhere.
      expect(await redis.exists(RT_KEYS.providerHealth('fake'))).toBe(0);
    } finally {
      await gw.stop('SIGKILL');
    }
  });

  it('a second signal during the drain exits at once', async () => {
    const key = await seed();
    const gw = await spawnGateway({ GW_DRAIN_TIMEOUT_MS: '20000' });
    try {
      const stream = await openStream(gw.url, key, { chunks: 100, chunkDelayMs: 100 });
      gw.child.kill('SIGTERM');
      await expect.poll(() => gw.output(), { timeout: 5000 }).toMatch(/draining/);
      const exited = gw.stop('SIGINT');
      expect(await exited).toBe(1);
      await stream.rest;
      expect(gw.output()).toMatch(/second signal during drain/);
    } finally {
      await gw.stop('SIGKILL');
    }
  });
});
