import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { beforeEach, describe, expect, it } from 'vitest';
import { scrape, sum, until } from './observability-helpers.js';
import { useGatewayStack } from './support/stack.js';

/**
 * Backpressure on the Responses API's WebSocket mode, with a real slow reader: a raw `ws`
 * client whose TCP socket stops reading. The gateway must stop reading the upstream (the fake
 * provider finds its own socket full), say so in its metrics, and go on once the client reads.
 */

const stack = useGatewayStack({ env: { GW_POD_NAME: 'ws-bp', GW_ADMIN_PORT: '0' } });
const { registry } = stack;
let raw: string;

beforeEach(async () => {
  await registry.addProvider({ name: 'oai', type: 'openai', base_url: stack.fake.url, secrets: ['sk-oai-upstream-1'] });
  await registry.bindModel('gpt-native', { provider: 'oai', model: 'gpt-4o' });
  raw = (await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` })).raw;
});

const metrics = async () => {
  const s = await scrape(stack.gw.gw.adminPort!);
  return {
    paused: sum(s, 'llmgw_streams_paused_for_client', { transport: 'websocket' }),
    pauses: sum(s, 'llmgw_stream_client_pauses_total', { transport: 'websocket' }),
    pausedHttp: sum(s, 'llmgw_streams_paused_for_client', { transport: 'http' }),
    pausesHttp: sum(s, 'llmgw_stream_client_pauses_total', { transport: 'http' }),
    open: sum(s, 'llmgw_open_streams'),
    inFlight: sum(s, 'llmgw_in_flight_requests'),
  };
};

describe('Responses API WebSocket backpressure', () => {
  it('a client that stops reading pauses the upstream (metrics say so); reading again resumes it; leaving ends it', async () => {
    // Far more than every buffer between the fake provider and the client can hold
    // (its socket, the gateway's upstream socket, the gateway's WebSocket, the client's socket).
    // It stalls (silent, connection open) before its end, so it is still running whatever the client reads.
    // Words, not one 16 MiB token: the usage of the aborted stream is estimated with the tokenizer.
    stack.fake.setBehaviour({ content: 'all work and no play makes a slow reader '.repeat(400 * 1024), chunks: 4096, stallAfterChunks: 4000 });
    const ws = new WebSocket(`${stack.gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${raw}` } });
    await once(ws, 'open');
    const socket = (ws as unknown as { _socket: Socket })._socket;
    let received = 0;
    ws.on('message', (m: Buffer) => (received += m.length));
    ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-native', input: 'a long answer please' }));
    // The slow reader: its socket reads nothing more from now on.
    socket.pause();

    const upstream = await stack.fake.waitFor((r) => r.path === '/v1/responses' && r.blockedByClient === true, 20_000);
    await until(async () => (await metrics()).paused === 1, 10_000);
    const during = await metrics();
    expect(during.pauses).toBeGreaterThanOrEqual(1);
    expect(during.pausedHttp).toBe(0);
    expect(during.open).toBe(1);
    // Still waiting on the gateway (nothing ended): the upstream is held, not buffered without bound.
    expect(upstream.endedAt).toBeUndefined();
    expect(upstream.aborted).toBe(false);

    // Reading again: the gateway drains its socket and reads the upstream again.
    socket.resume();
    await stack.fake.waitFor((r) => r.id === upstream.id && r.blockedByClient === false, 20_000);
    await until(() => received > 0, 10_000);

    // The client leaves mid-stream: the upstream call is aborted and nothing stays paused.
    ws.terminate();
    await stack.fake.waitFor((r) => r.id === upstream.id && r.aborted, 20_000);
    await until(async () => {
      const m = await metrics();
      return m.paused === 0 && m.open === 0 && m.inFlight === 0;
    }, 10_000);
    expect((await stack.fake.waitFor((r) => r.id === upstream.id)).aborted).toBe(true);
  }, 60_000);

  it('the same for an HTTP stream whose client stops reading: counted under transport http', async () => {
    stack.fake.setBehaviour({ content: 'all work and no play makes a slow reader '.repeat(400 * 1024), chunks: 4096, stallAfterChunks: 4000 });
    const before = await metrics();
    const body = JSON.stringify({ model: 'gpt-native', stream: true, messages: [{ role: 'user', content: 'a long answer please' }] });
    const req = request(`${stack.gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' } });
    req.end(body);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    // The slow reader: nothing is read from its socket any more.
    res.pause();
    res.socket.pause();
    const upstream = await stack.fake.waitFor((r) => r.path === '/v1/chat/completions' && r.blockedByClient === true, 20_000);
    await until(async () => (await metrics()).pausedHttp === 1, 10_000);
    const during = await metrics();
    expect(during.pausesHttp).toBeGreaterThan(before.pausesHttp);
    expect(during.paused).toBe(0);
    expect(during.pauses).toBe(before.pauses);
    expect(upstream.endedAt).toBeUndefined();
    req.destroy();
    await stack.fake.waitFor((r) => r.id === upstream.id && r.aborted, 20_000);
    await until(async () => (await metrics()).pausedHttp === 0, 10_000);
  }, 60_000);
});

