// llm-gateway-lite's path rule (seed 001): a request path that ends with an endpoint's path is
// that endpoint, whatever comes before it (GW_API_PATH_PREFIXES=*, the default), so clients
// configured for Google's `/v1beta/openai`, a `/v2` or an `/api/v1` base URL work unchanged.
// The upstream always gets its own path; metrics and logs label by endpoint, never by the raw
// path. A strict list (GW_API_PATH_PREFIXES=/v1,…) serves exactly those prefixes.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { scrape, sum } from './observability-helpers.js';
import { seedBasic, type TestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({
  gateways: [
    { GW_ADMIN_PORT: '0', GW_CACHE_TTL_MS: '0' },
    { GW_API_PATH_PREFIXES: '/v1,/anthropic/v1', GW_CACHE_TTL_MS: '0' },
  ],
});
const { registry } = stack;
let key: string;

beforeEach(async () => {
  ({ rawKey: key } = await seedBasic(registry, stack.fake.url));
  await registry.bindModel('text-embedding-3-small', { provider: 'fake' });
  await registry.bindModel('openai/gpt-4o', { provider: 'fake', model: 'gpt-4o' });
});

/** The seed's documented forms, and the ones our users' SDKs are configured with. */
const SEED_FORMS = ['/v1', '/v1beta/openai', '/v2', '/v3/anything', '/api/v1', '/openai/v1', ''];

function call(gw: TestGateway, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('any prefix (the default)', () => {
  it.each(SEED_FORMS)('%s/chat/completions: plain and streamed, upstream called on its own path', async (prefix) => {
    const plain = await call(stack.gw, 'POST', `${prefix}/chat/completions`, chatBody());
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as any).object).toBe('chat.completion');
    const streamed = await call(stack.gw, 'POST', `${prefix}/chat/completions`, chatBody({ stream: true }));
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(await streamed.text()).toContain('data: [DONE]');
    expect(stack.fake.received.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it.each(SEED_FORMS)('%s: completions (not chat), embeddings, the models list and a lookup of an id with a slash', async (prefix) => {
    expect((await call(stack.gw, 'POST', `${prefix}/completions`, { model: 'gpt-4o-mini', prompt: 'hi' })).status).toBe(200);
    expect((await call(stack.gw, 'POST', `${prefix}/embeddings`, { model: 'text-embedding-3-small', input: 'hi' })).status).toBe(200);
    expect(stack.fake.received.map((r) => r.path)).toEqual(['/v1/completions', '/v1/embeddings']);
    const list = (await (await call(stack.gw, 'GET', `${prefix}/models`)).json()) as any;
    expect(list.data.map((m: { id: string }) => m.id)).toContain('openai/gpt-4o');
    const one = await call(stack.gw, 'GET', `${prefix}/models/openai/gpt-4o`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as any).id).toBe('openai/gpt-4o');
  });

  it('the Anthropic routes under any prefix; /messages/count_tokens is not /messages', async () => {
    for (const prefix of ['/anthropic/v1', '/v1', '/api/anthropic/v1']) {
      const msg = await call(stack.gw, 'POST', `${prefix}/messages`, { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
      expect(msg.status, prefix).toBe(200);
      expect(((await msg.json()) as any).type).toBe('message');
      const count = await call(stack.gw, 'POST', `${prefix}/messages/count_tokens`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(count.status, prefix).toBe(200);
      expect(((await count.json()) as any).input_tokens).toBeGreaterThan(0);
    }
  });

  it('the SDKs with such base URLs: OpenAI on /v1beta/openai and /api/v1, Anthropic on /api', async () => {
    for (const base of ['/v1beta/openai', '/api/v1']) {
      const client = new OpenAI({ baseURL: `${stack.gw.url}${base}`, apiKey: key, maxRetries: 0 });
      const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.choices[0]!.message.content).toBeTruthy();
      expect((await client.models.retrieve('openai/gpt-4o')).id).toBe('openai/gpt-4o');
    }
    const anthropic = new Anthropic({ baseURL: `${stack.gw.url}/api`, apiKey: key, maxRetries: 0 });
    const msg = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.type).toBe('message');
  });

  it('unknown paths, wrong methods and bad ids are refused in the route\'s shape', async () => {
    const unknown = await call(stack.gw, 'POST', '/v2/chat/complete', chatBody());
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe('unknown_url');
    const method = await call(stack.gw, 'GET', '/v3/anything/chat/completions');
    expect(method.status).toBe(405);
    const anthropicShape = await call(stack.gw, 'GET', '/v2/messages');
    expect(anthropicShape.status).toBe(405);
    expect(((await anthropicShape.json()) as any).type).toBe('error');
    const badId = await call(stack.gw, 'GET', '/api/v1/models/%E0%A4%A');
    expect(badId.status).toBe(404);
    expect(((await badId.json()) as any).error.code).toBe('model_not_found');
    expect(stack.fake.received).toHaveLength(0);
  });

  it('metrics label by endpoint, never by the raw path (bounded cardinality)', async () => {
    const paths = ['/v1', '/v2', '/x/y/z', `/r${Math.random().toString(36).slice(2)}`];
    for (const p of paths) expect((await call(stack.gw, 'POST', `${p}/chat/completions`, chatBody())).status).toBe(200);
    for (const p of paths) expect((await call(stack.gw, 'POST', `${p}/chats`, chatBody())).status).toBe(404);
    const samples = await scrape(stack.gw.gw.adminPort!);
    const endpoints = new Set(samples.filter((s) => s.labels.endpoint !== undefined).map((s) => s.labels.endpoint));
    for (const e of endpoints) expect(e === 'other' || e!.startsWith('/')).toBe(true);
    for (const p of paths) for (const e of endpoints) expect(e!.startsWith(p) && e !== '/models').toBe(false);
    expect(sum(samples, 'llmgw_requests_total', { endpoint: '/chat/completions', status_class: '2xx' })).toBeGreaterThanOrEqual(4);
  });
});

describe('a strict list (GW_API_PATH_PREFIXES=/v1,/anthropic/v1)', () => {
  const strict = () => stack.gws[1]!;

  it('serves the listed prefixes and refuses the others with 404 before any upstream call', async () => {
    expect((await call(strict(), 'POST', '/v1/chat/completions', chatBody())).status).toBe(200);
    expect((await call(strict(), 'POST', '/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect((await call(strict(), 'GET', '/v1/models/openai/gpt-4o')).status).toBe(200);
    for (const p of ['/v1beta/openai/chat/completions', '/v2/chat/completions', '/openai/v1/chat/completions', '/chat/completions']) {
      const r = await call(strict(), 'POST', p, chatBody());
      expect(r.status, p).toBe(404);
      expect(((await r.json()) as any).error.code).toBe('unknown_url');
    }
    expect(stack.fake.received).toHaveLength(2);
  });
});
