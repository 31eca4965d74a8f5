import { PROVIDER_SUBJECT, RT_KEYS } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { startConnectProxy, startTlsFront, type ConnectProxy, type TlsFront } from './support/connect-proxy.js';
import { lastAccessLine, postChat, seedBasic, startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { rawServer, until } from './support/h1-servers.js';
import { useTestRedis } from './support/redis.js';
import { makeUpstreamCerts } from './support/upstream-certs.js';

// The gateway on a network that is not simply open, through both upstream clients: an
// upstream that takes few connections (GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN), https upstreams
// with a private CA (GW_UPSTREAM_CA_FILE) or a certificate that is refused, a corporate proxy
// (HTTPS_PROXY, NO_PROXY).

const { redis } = useTestRedis();
const registry = testRegistry();
const certs = makeUpstreamCerts();
const skip = 'skip' in certs ? certs.skip : '';
let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider();
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  await registry.redis.quit();
  if (!('skip' in certs)) certs.cleanup();
});

describe.each(['native', 'undici'])('the gateway on the %s upstream client', (client) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ GW_UPSTREAM_CLIENT: client, GW_COOLDOWN_THRESHOLD: '1', ...('skip' in certs ? {} : { GW_UPSTREAM_CA_FILE: certs.caFile }) });
  });
  afterAll(async () => {
    await gw.close();
  });

  it.skipIf(skip)('serves an https upstream whose certificate chains to a CA of GW_UPSTREAM_CA_FILE', async () => {
    if ('skip' in certs) return;
    const front = await startTlsFront(certs.good, fake.port);
    try {
      const { rawKey } = await seedBasic(registry, `https://localhost:${front.port}/v1`);
      const res = await postChat(gw, rawKey);
      expect(res.status).toBe(200);
      expect(fake.received).toHaveLength(1);
    } finally {
      await front.close();
    }
  });

  it.skipIf(skip)('answers a refused upstream certificate with 502 upstream_tls_error that says why, logs it and cools the provider down', async () => {
    if ('skip' in certs) return;
    const front = await startTlsFront(certs.selfSigned, fake.port);
    try {
      const { rawKey } = await seedBasic(registry, `https://localhost:${front.port}/v1`);
      const res = await postChat(gw, rawKey);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: unknown }).error).toEqual({
        message: 'The TLS certificate of the upstream provider "fake" was rejected: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT).',
        type: 'server_error',
        param: null,
        code: 'upstream_tls_error',
      });
      expect(fake.received).toHaveLength(0);
      expect(await lastAccessLine(gw, '/chat/completions')).toMatchObject({ status: 502, errorCode: 'upstream_tls_error' });
      const warn = gw.logs.json().find((l) => l.code === 'DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(warn).toMatchObject({ level: 40, provider: 'fake', origin: `https://localhost:${front.port}`, detail: 'self-signed certificate' });
      // A provider failure like any other: with a threshold of 1 it is cooling now, for "tls".
      expect(await redis.hget(RT_KEYS.providerHealth('fake'), `${PROVIDER_SUBJECT}.r`)).toBe('tls');
    } finally {
      await front.close();
    }
  });
});

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
});

describe.each(['native', 'undici'])('GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN on the %s upstream client', (client) => {
  it('keeps at most that many connections open to the upstream; the requests beyond them wait and are served', async () => {
    const gw = await startTestGateway({ GW_UPSTREAM_CLIENT: client, GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: '2' });
    const held: net.Socket[] = [];
    const count = { open: 0, maxOpen: 0 };
    const upstream = await rawServer((_q, sock) => held.push(sock), {
      onConnection: (sock) => {
        count.maxOpen = Math.max(count.maxOpen, ++count.open);
        sock.on('close', () => count.open--);
      },
    });
    try {
      const { rawKey } = await seedBasic(registry, `${upstream.origin}/v1`);
      const answers = Array.from({ length: 5 }, () => postChat(gw, rawKey));
      for (let left = 5; left > 0; left--) {
        await until(() => held.length === Math.min(2, left));
        held.shift()!.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${COMPLETION.length}\r\n\r\n${COMPLETION}`);
      }
      expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(upstream.requests).toHaveLength(5);
      expect(count.maxOpen).toBe(2);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe.each(['native', 'undici'])('HTTPS_PROXY / NO_PROXY on the %s upstream client', (client) => {
  let proxy: ConnectProxy;
  let front: TlsFront;
  let gw: TestGateway;
  const env = (credentials: string): Record<string, string> => ({
    GW_UPSTREAM_CLIENT: client,
    ...('skip' in certs ? {} : { GW_UPSTREAM_CA_FILE: certs.caFile }),
    https_proxy: `http://${credentials}@127.0.0.1:${proxy.port}`,
    HTTP_PROXY: `http://${credentials}@127.0.0.1:${proxy.port}`,
    NO_PROXY: '127.0.0.1',
  });
  beforeAll(async () => {
    if ('skip' in certs) return;
    proxy = await startConnectProxy({ auth: 'gw:s3cret' });
    front = await startTlsFront(certs.good, fake.port);
    gw = await startTestGateway(env('gw:s3cret'));
  });
  afterAll(async () => {
    if ('skip' in certs) return;
    await gw.close();
    await front.close();
    await proxy.close();
  });

  it.skipIf(skip)('reaches an https upstream through the proxy (CONNECT, Basic auth) and the hosts of NO_PROXY directly; says so at boot without the credentials', async () => {
    const seen = proxy.connects.length;
    await registry.addProvider({ name: 'corp', base_url: `https://localhost:${front.port}/v1`, secrets: ['sk-upstream-test-secret-0002'] });
    await registry.bindModel('gpt-4o', { provider: 'corp', model: 'gpt-4o' });
    const { rawKey } = await seedBasic(registry, fake.url);
    expect((await postChat(gw, rawKey, { model: 'gpt-4o' })).status).toBe(200);
    expect(proxy.connects.slice(seen).map((c) => [c.authority, c.status])).toEqual([[`localhost:${front.port}`, 200]]);
    expect((await postChat(gw, rawKey)).status).toBe(200); // the fake, http://127.0.0.1: in NO_PROXY
    expect(proxy.connects).toHaveLength(seen + 1);
    expect(fake.received.map((r) => r.json?.model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    const boot = gw.logs.json().find((l) => String(l.msg).startsWith('upstream calls go through a proxy'));
    expect(boot).toMatchObject({ httpsProxy: `http://127.0.0.1:${proxy.port}`, httpProxy: `http://127.0.0.1:${proxy.port}`, noProxy: '127.0.0.1' });
    expect(gw.logs.text).not.toMatch(/s3cret/);
  });

  it.skipIf(skip)('answers 502 upstream_unreachable naming the proxy (never its credentials) when the proxy refuses the tunnel', async () => {
    const wrong = await startTestGateway(env('gw:wrong-pass'));
    try {
      const { rawKey } = await seedBasic(registry, `https://localhost:${front.port}/v1`);
      const res = await postChat(wrong, rawKey);
      expect(res.status).toBe(502);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error).toEqual({
        message: `The upstream provider "fake" could not be reached through the proxy http://127.0.0.1:${proxy.port}: it answered 407 Proxy Authentication Required to CONNECT.`,
        type: 'server_error',
        param: null,
        code: 'upstream_unreachable',
      });
      expect(fake.received).toHaveLength(0);
      expect(wrong.logs.text).not.toMatch(/wrong-pass/);
    } finally {
      await wrong.close();
    }
  });
});
