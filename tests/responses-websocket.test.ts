import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { once } from 'node:events';
import { beforeEach, describe, expect, it } from 'vitest';
import { scrape, sum } from './observability-helpers.js';
import { lastAccessLine, startTestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

/**
 * The Responses API's WebSocket mode with the official openai SDK's WebSocket client
 * (`ResponsesWS`, openai 6.x): several responses in sequence on one socket, auth at the upgrade,
 * limits and usage per response as over HTTP, errors as messages, close codes.
 */

const stack = useGatewayStack({ gateways: [{ GW_POD_NAME: 'ws-a', GW_ADMIN_PORT: '0', GW_CORS_ORIGINS: 'https://app.example.com' }, { GW_POD_NAME: 'ws-idle', GW_WS_IDLE_TIMEOUT_S: '1' }] });
const { registry } = stack;
let raw: string;

beforeEach(async () => {
  await registry.addProvider({ name: 'oai', type: 'openai', base_url: stack.fake.url, secrets: ['sk-oai-upstream-1'] });
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: ['sk-ant-upstream-3'] });
  await registry.bindModel('gpt-native', { provider: 'oai', model: 'gpt-4o' });
  await registry.bindModel('claude-r', { provider: 'claude', model: 'claude-haiku' });
  raw = (await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` })).raw;
});

type Event = { type: string; [k: string]: any };

/** A connected SDK socket that records every event. */
async function connect(gw = 0, key = raw) {
  const client = new OpenAI({ baseURL: stack.gws[gw]!.baseURL, apiKey: key, maxRetries: 0 });
  const ws = new ResponsesWS(client);
  const events: Event[] = [];
  const errors: Error[] = [];
  ws.on('event', (e) => events.push(e as Event));
  ws.on('error', (e) => errors.push(e));
  const closed = once(ws.socket, 'close') as Promise<[number, Buffer]>;
  await once(ws.socket, 'open');
  /** Send one event and wait for the event that ends its response (completed, incomplete or error). */
  const create = async (body: Record<string, unknown>): Promise<Event> => {
    const from = events.length;
    ws.send(body as never);
    for (;;) {
      const end = events.slice(from).find((e) => e.type === 'response.completed' || e.type === 'response.incomplete' || e.type === 'error');
      if (end) return end;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { ws, events, errors, closed, create };
}

describe('Responses API over a WebSocket', () => {
  it('several responses in sequence on one socket; previous_response_id with store false from the socket memory; usage per response', async () => {
    stack.fake.setBehaviour({ content: 'first answer', chunks: 2, promptTokens: 3, completionTokens: 2 });
    const c = await connect();
    const first = await c.create({ type: 'response.create', model: 'claude-r', input: 'hello', store: false });
    expect(first.type).toBe('response.completed');
    expect(first.response.output[0].content[0].text).toBe('first answer');
    const types = c.events.map((e) => e.type);
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(stack.fake.received.at(-1)!.path).toBe('/v1/messages');
    const line = await lastAccessLine(stack.gws[0]!, '/responses');
    expect(line.tokens).toEqual({ prompt: 3, completion: 2, cached: 0, estimated: false });
    expect(line).toMatchObject({ transport: 'websocket', stream: true, status: 200, provider: 'claude' });

    stack.fake.setBehaviour({ content: 'second answer', chunks: 1 });
    const second = await c.create({ type: 'response.create', model: 'gpt-native', previous_response_id: first.response.id, input: 'again', store: false });
    expect(second.type).toBe('response.completed');
    expect(second.response.model).toBe('gpt-native');
    const upstream = stack.fake.received.at(-1)!;
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.json.stream).toBe(true);
    expect(upstream.json.input.map((i: Event) => i.role)).toEqual(['user', 'assistant', 'user']);
    // store: false kept nothing in Redis: another socket (or HTTP) cannot continue it
    expect(await stack.redis.keys('gw:rt:{r:*')).toEqual([]);
    const other = await connect();
    const refused = await other.create({ type: 'response.create', model: 'gpt-native', previous_response_id: first.response.id, input: 'x' });
    expect(refused).toMatchObject({ type: 'error', status: 400, error: { code: 'previous_response_not_found', param: 'previous_response_id' } });
    c.ws.close();
    other.ws.close();
    expect((await c.closed)[0]).toBe(1000);
  });

  it('generate: false (a warm-up, as Codex sends first) completes with no output and no upstream call', async () => {
    const c = await connect();
    const before = stack.fake.received.length;
    const warm = await c.create({ type: 'response.create', model: 'claude-r', input: 'warm', generate: false });
    expect(warm).toMatchObject({ type: 'response.completed', response: { status: 'completed', output: [], usage: { input_tokens: 0, output_tokens: 0 } } });
    expect(stack.fake.received.length).toBe(before);
    c.ws.close();
  });

  it('refuses the upgrade without a valid key (HTTP 401, no socket)', async () => {
    const client = new OpenAI({ baseURL: stack.gws[0]!.baseURL, apiKey: 'sk-not-a-key', maxRetries: 0 });
    const ws = new ResponsesWS(client);
    const errors: Error[] = [];
    ws.on('error', (e) => errors.push(e));
    const [, res] = (await once(ws.socket, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(401);
    ws.socket.terminate();
  });

  it('bad events get an error message and the socket stays usable; a create on a busy stream waits its turn (FIFO), no overlap', async () => {
    const c = await connect();
    c.ws.socket.send('not json');
    c.ws.socket.send(JSON.stringify({ type: 'session.update' }));
    while (c.events.filter((e) => e.type === 'error').length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(c.events.filter((e) => e.type === 'error').map((e) => e.error.code)).toEqual(['invalid_event', 'invalid_event']);
    stack.fake.setBehaviour({ content: 'slow answer here', chunks: 3, chunkDelayMs: 50 });
    // Two creates on the default stream, back to back: the second starts once the first is over.
    c.ws.send({ type: 'response.create', model: 'gpt-native', input: 'first' } as never);
    c.ws.send({ type: 'response.create', model: 'gpt-native', input: 'second' } as never);
    while (c.events.filter((e) => e.type === 'response.completed').length < 2) await new Promise((r) => setTimeout(r, 10));
    const types = c.events.filter((e) => e.type === 'response.created' || e.type === 'response.completed').map((e) => e.type);
    expect(types).toEqual(['response.created', 'response.completed', 'response.created', 'response.completed']);
    const upstream = stack.fake.received.filter((r) => r.path === '/v1/responses');
    expect(upstream.map((r) => r.json.input)).toEqual(['first', 'second']);
    // The default stream's events carry no stream_id.
    expect(c.events.every((e) => !('stream_id' in e))).toBe(true);
    c.ws.close();
  });

  it('stream_id multiplexes: responses on different streams run at once, every event of a stream carries its stream_id, none reaches the upstream', async () => {
    const c = await connect();
    // The planner's upstream stalls after its first delta (silent, open) until the socket goes.
    stack.fake.enqueue({ content: 'planning forever', chunks: 3, stallAfterChunks: 1 });
    c.ws.send({ type: 'response.create', stream_id: 'planner', model: 'gpt-native', input: 'plan' } as never);
    const plannerUpstream = await stack.fake.waitFor((r) => r.path === '/v1/responses' && r.json?.input === 'plan');
    while (!c.events.some((e) => e.type === 'response.output_text.delta')) await new Promise((r) => setTimeout(r, 5));
    // Another stream runs while the planner is still running.
    const research = await c.create({ type: 'response.create', stream_id: 'research', model: 'claude-r', input: 'risks' });
    expect(research).toMatchObject({ type: 'response.completed', stream_id: 'research' });
    expect(plannerUpstream.endedAt).toBeUndefined();
    for (const lane of ['planner', 'research']) {
      const mine = c.events.filter((e) => e.stream_id === lane);
      expect(mine[0]!.type).toBe('response.created');
      expect(mine.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    }
    expect(c.events.every((e) => e.stream_id === 'planner' || e.stream_id === 'research')).toBe(true);
    expect(c.events.filter((e) => e.stream_id === 'planner').some((e) => e.type === 'response.completed')).toBe(false);
    // No transport-only field upstream (the fake provider refuses stream_id with 400 as OpenAI does).
    expect(stack.fake.received.every((r) => r.json && !('stream_id' in r.json))).toBe(true);

    // Fork the research onto a new stream; the fork's events and errors carry their stream_id.
    const fork = await c.create({ type: 'response.create', stream_id: 'critic', model: 'gpt-native', previous_response_id: research.response.id, input: 'gaps?', store: false });
    expect(fork).toMatchObject({ type: 'response.completed', stream_id: 'critic' });
    expect(stack.fake.received.at(-1)!.json.input.map((i: Event) => i.role)).toEqual(['user', 'assistant', 'user']);
    const lost = await c.create({ type: 'response.create', stream_id: 'critic', model: 'gpt-native', previous_response_id: 'resp_unknown', input: 'x' });
    expect(lost).toMatchObject({ type: 'error', stream_id: 'critic', status: 400, error: { code: 'previous_response_not_found' } });

    // A bad stream_id is refused (no stream to name); the socket stays usable.
    const bad = await c.create({ type: 'response.create', stream_id: 'no spaces', model: 'gpt-native', input: 'x' });
    expect(bad).toMatchObject({ type: 'error', status: 400, error: { code: 'invalid_stream_id', param: 'stream_id' } });
    expect('stream_id' in bad).toBe(false);
    expect((await c.create({ type: 'response.create', stream_id: 'x'.repeat(256), model: 'gpt-native', input: 'ok' })).type).toBe('response.completed');
    // Leaving ends the stalled planner's upstream call too.
    c.ws.close();
    await stack.fake.waitFor((r) => r.id === plannerUpstream.id && r.aborted);
  });

  it('at most 32 named streams per socket: the 33rd is refused on its stream, the existing ones go on', async () => {
    const c = await connect();
    for (let i = 0; i < 32; i++) expect((await c.create({ type: 'response.create', stream_id: `s${i}`, model: 'claude-r', input: 'x', generate: false })).type).toBe('response.completed');
    const refused = await c.create({ type: 'response.create', stream_id: 's32', model: 'claude-r', input: 'x', generate: false });
    expect(refused).toMatchObject({ type: 'error', stream_id: 's32', status: 400, error: { code: 'websocket_stream_limit_reached' } });
    expect(await c.create({ type: 'response.create', stream_id: 's0', model: 'claude-r', input: 'x', generate: false })).toMatchObject({ type: 'response.completed', stream_id: 's0' });
    expect(await c.create({ type: 'response.create', model: 'claude-r', input: 'x', generate: false })).toMatchObject({ type: 'response.completed' });
    c.ws.close();
  });

  it('limits apply per response as over HTTP: the second over rpm is a 429 error message, the socket stays open', async () => {
    const { raw: limited } = await registry.createKey({ name: `rpm-${Math.random().toString(36).slice(2, 8)}`, rpm: 1 });
    const c = await connect(0, limited);
    expect((await c.create({ type: 'response.create', model: 'gpt-native', input: 'one' })).type).toBe('response.completed');
    const second = await c.create({ type: 'response.create', model: 'gpt-native', input: 'two' });
    expect(second).toMatchObject({ type: 'error', status: 429 });
    expect(stack.fake.received.filter((r) => r.path === '/v1/responses')).toHaveLength(1);
    expect(c.ws.socket.readyState).toBe(c.ws.socket.OPEN);
    c.ws.close();
  });

  it('close codes: a binary message is 1003; an idle socket is closed with 1000 "idle timeout"', async () => {
    const c = await connect();
    c.ws.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const [code] = await c.closed;
    expect(code).toBe(1003);
    const idle = await connect(1);
    const [idleCode, reason] = await idle.closed;
    expect(idleCode).toBe(1000);
    expect(reason.toString()).toBe('idle timeout');
  });

  it('a draining pod closes its idle sockets with 1001', async () => {
    const pod = await startTestGateway({ GW_POD_NAME: 'ws-drain' });
    const client = new OpenAI({ baseURL: pod.baseURL, apiKey: raw, maxRetries: 0 });
    const ws = new ResponsesWS(client);
    ws.on('error', () => {});
    const closed = once(ws.socket, 'close') as Promise<[number, Buffer]>;
    await once(ws.socket, 'open');
    const stopping = pod.close();
    const [code, reason] = await closed;
    expect(code).toBe(1001);
    expect(reason.toString()).toBe('server shutting down');
    await stopping;
  });

  it('an upgrade on another path is a 404; a key disabled mid-socket gets its 403 and the socket ends with 1008', async () => {
    const { WebSocket } = await import('ws');
    const bad = new WebSocket(`${stack.gws[0]!.url.replace('http', 'ws')}/v1/chat/completions`, { headers: { authorization: `Bearer ${raw}` } });
    bad.on('error', () => {});
    const [, res] = (await once(bad, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(404);
    bad.terminate();

    const created = await registry.createKey({ name: `dis-${Math.random().toString(36).slice(2, 8)}` });
    const c = await connect(0, created.raw);
    expect((await c.create({ type: 'response.create', model: 'gpt-native', input: 'one' })).type).toBe('response.completed');
    await registry.updateKey(created.key.hash, () => ({ status: 'disabled' }));
    // the gateway learns of it through gw:events; until then the key still works
    let end: Event;
    do end = await c.create({ type: 'response.create', model: 'gpt-native', input: 'again' });
    while (end.type !== 'error');
    expect(end).toMatchObject({ status: 403, error: { code: 'key_disabled' } });
    expect((await c.closed)[0]).toBe(1008);
  });

  it('a refused upgrade leaves the access line and metrics a refused HTTP request leaves (wrong key, bad origin, unknown path); an unknown model is refused per response', async () => {
    const { WebSocket } = await import('ws');
    const gw = stack.gws[0]!;
    const wsUrl = `${gw.url.replace('http', 'ws')}/v1/responses`;
    const refusedUpgrade = async (url: string, headers: Record<string, string>) => {
      const ws = new WebSocket(url, { headers });
      ws.on('error', () => {});
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number; headers: Record<string, string> }];
      ws.terminate();
      return res;
    };
    const comparable = (l: Record<string, any>) => {
      const { reqId: _r, time: _t, durationMs: _d, method: _m, transport: _tr, ...rest } = l;
      return rest;
    };
    const counts = async (reason: string, endpoint = '/responses') => {
      const s = await scrape(gw.gw.adminPort!);
      return { answered: sum(s, 'llmgw_requests_total', { endpoint, status_class: '4xx' }), refused: sum(s, 'llmgw_requests_refused_total', { reason, endpoint }) };
    };

    // Wrong key: over HTTP, then as an upgrade.
    let before = await counts('invalid_api_key');
    const http = await fetch(`${gw.baseURL}/responses`, { method: 'POST', headers: { authorization: 'Bearer sk-not-a-key', 'content-type': 'application/json' }, body: '{"model":"gpt-native","input":"x"}' });
    expect(http.status).toBe(401);
    const httpLine = await lastAccessLine(gw, '/responses');
    let after = await counts('invalid_api_key');
    expect(after).toEqual({ answered: before.answered + 1, refused: before.refused + 1 });
    before = after;
    const res = await refusedUpgrade(wsUrl, { authorization: 'Bearer sk-not-a-key', 'x-request-id': 'req-upgrade-1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe('req-upgrade-1');
    const wsLine = await lastAccessLine(gw, '/responses');
    expect(wsLine).toMatchObject({ reqId: 'req-upgrade-1', method: 'GET', transport: 'websocket', status: 401, errorCode: 'invalid_api_key' });
    expect(comparable(wsLine)).toEqual(comparable(httpLine));
    expect(await counts('invalid_api_key')).toEqual({ answered: before.answered + 1, refused: before.refused + 1 });
    expect(gw.logs.text).not.toContain('sk-not-a-key');

    // A page of an origin CORS does not allow.
    before = await counts('cors_origin_not_allowed');
    const cross = await refusedUpgrade(wsUrl, { authorization: `Bearer ${raw}`, origin: 'https://evil.example' });
    expect(cross.statusCode).toBe(403);
    expect(await lastAccessLine(gw, '/responses')).toMatchObject({ transport: 'websocket', status: 403, errorCode: 'cors_origin_not_allowed' });
    expect(await counts('cors_origin_not_allowed')).toEqual({ answered: before.answered + 1, refused: before.refused + 1 });
    const allowed = await connect(0);
    allowed.ws.close();

    // A path that takes no upgrade: counted under endpoint `other`, as an unknown HTTP route is.
    before = await counts('unknown_url', 'other');
    expect((await fetch(`${gw.baseURL}/nothing-here`, { method: 'POST', headers: { authorization: `Bearer ${raw}` } })).status).toBe(404);
    after = await counts('unknown_url', 'other');
    expect(after.answered).toBe(before.answered + 1);
    expect((await refusedUpgrade(`${gw.url.replace('http', 'ws')}/v1/nothing-here`, { authorization: `Bearer ${raw}` })).statusCode).toBe(404);
    expect(await counts('unknown_url', 'other')).toEqual({ answered: after.answered + 1, refused: after.refused });

    // An unknown model is known only at response.create: that response is refused (its own line), the socket stays.
    const c = await connect(0);
    const end = await c.create({ type: 'response.create', model: 'no-such-model', input: 'x' });
    expect(end).toMatchObject({ type: 'error', status: 404, error: { code: 'model_not_found' } });
    expect(await lastAccessLine(gw, '/responses')).toMatchObject({ transport: 'websocket', method: 'POST', status: 404, errorCode: 'model_not_found', model: 'no-such-model' });
    expect(c.ws.socket.readyState).toBe(c.ws.socket.OPEN);
    c.ws.close();
  });

  it('GW_WS_MAX_CONNECTIONS bounds the sockets of a pod: one more upgrade is a 503 too_many_websockets, logged and counted; a closed socket frees its place', async () => {
    const { WebSocket } = await import('ws');
    const pod = await startTestGateway({ GW_POD_NAME: 'ws-max', GW_WS_MAX_CONNECTIONS: '1', GW_ADMIN_PORT: '0' });
    try {
      const url = `${pod.url.replace('http', 'ws')}/v1/responses`;
      const first = new WebSocket(url, { headers: { authorization: `Bearer ${raw}` } });
      await once(first, 'open');
      const second = new WebSocket(url, { headers: { authorization: `Bearer ${raw}` } });
      second.on('error', () => {});
      const [, res] = (await once(second, 'unexpected-response')) as [unknown, { statusCode: number }];
      expect(res.statusCode).toBe(503);
      second.terminate();
      expect(await lastAccessLine(pod, '/responses')).toMatchObject({ transport: 'websocket', status: 503, errorCode: 'too_many_websockets' });
      expect(sum(await scrape(pod.gw.adminPort!), 'llmgw_requests_refused_total', { reason: 'too_many_websockets', endpoint: '/responses' })).toBe(1);
      first.close();
      await once(first, 'close');
      let third: InstanceType<typeof WebSocket>;
      // The pod learns of the close in its own close callback: until then the place is taken.
      for (;;) {
        third = new WebSocket(url, { headers: { authorization: `Bearer ${raw}` } });
        third.on('error', () => {});
        const r = await Promise.race([once(third, 'open').then(() => 'open'), once(third, 'unexpected-response').then(() => 'refused')]);
        if (r === 'open') break;
        third.terminate();
      }
      third.close();
    } finally {
      await pod.close();
    }
  });
});

