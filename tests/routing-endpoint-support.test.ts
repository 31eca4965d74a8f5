// Each endpoint goes only to targets whose provider type can serve it. An `anthropic` provider
// serves /chat/completions and /responses (converted), /messages and /messages/count_tokens; it
// used to get /completions and /embeddings unconverted. A model with targets of both types uses
// the ones that can; a model with none answers 400 unsupported_endpoint naming the endpoint and
// the provider type, and nothing reaches an upstream.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({ env: { GW_CACHE_TTL_MS: '0', GW_NEGATIVE_CACHE_TTL_MS: '0', GW_EXPOSE_SELECTION: '1' } });
const { registry } = stack;
let key: string;

beforeEach(async () => {
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: ['sk-ant-upstream-0001'] });
  await registry.addProvider({ name: 'oai', base_url: stack.fake.url, secrets: ['sk-oai-upstream-0001'] });
  await registry.bindModel('claude-only', { provider: 'claude', model: 'claude-up' });
  // Both types, the anthropic one first under the priority policy.
  await registry.bindModel('mixed', { provider: 'claude', model: 'claude-up', priority: 0 }, 'priority');
  await registry.bindModel('mixed', { provider: 'oai', model: 'oai-up', priority: 1 });
  key = (await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` })).raw;
});

function post(path: string, body: Record<string, unknown>, k = key): Promise<Response> {
  return fetch(`${stack.gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const BODIES: Record<string, Record<string, unknown>> = {
  '/v1/completions': { prompt: 'hi' },
  '/v1/embeddings': { input: 'hi' },
  '/v1/moderations': { input: 'hi' },
  '/v1/images/generations': { prompt: 'a cat' },
  '/v1/audio/speech': { input: 'hi', voice: 'alloy' },
};

describe('a model served only by an anthropic provider', () => {
  it.each(Object.keys(BODIES))('%s → 400 unsupported_endpoint naming the endpoint and the type; no upstream call', async (path) => {
    const r = await post(path, { model: 'claude-only', ...BODIES[path] });
    expect(r.status).toBe(400);
    const { error } = (await r.json()) as any;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_endpoint', param: 'model' });
    expect(error.message).toContain(path);
    expect(error.message).toContain('anthropic');
    expect(error.message).toContain('claude-only');
    expect(stack.fake.received).toHaveLength(0);
  });

  it('the same under /openai/v1: the message names the path the client called', async () => {
    const r = await post('/openai/v1/embeddings', { model: 'claude-only', input: 'hi' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.message).toContain('/openai/v1/embeddings');
  });

  it('the openai SDK gets a BadRequestError it can read', async () => {
    const client = new OpenAI({ baseURL: stack.gw.baseURL, apiKey: key, maxRetries: 0 });
    const err = await client.completions.create({ model: 'claude-only', prompt: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unsupported_endpoint');
    await expect(client.embeddings.create({ model: 'claude-only', input: 'hi' })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(stack.fake.received).toHaveLength(0);
  });

  it('what it can serve still works: chat (converted to /messages), messages and count_tokens (passed through)', async () => {
    expect((await post('/v1/chat/completions', { model: 'claude-only', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    const anthropic = new Anthropic({ baseURL: stack.gw.url, apiKey: key, maxRetries: 0 });
    const msg = await anthropic.messages.create({ model: 'claude-only', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.type).toBe('message');
    const count = await anthropic.messages.countTokens({ model: 'claude-only', messages: [{ role: 'user', content: 'hi' }] });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(stack.fake.received.map((r) => r.path)).toEqual(['/v1/messages', '/v1/messages', '/v1/messages/count_tokens']);
  });
});

describe('a model with targets of both types', () => {
  it.each(['/v1/completions', '/v1/embeddings'])('%s skips the anthropic target and is served by the openai one', async (path) => {
    const r = await post(path, { model: 'mixed', ...BODIES[path] });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-provider')).toBe('oai');
    expect(r.headers.get('x-gateway-attempts')).toBe('1');
    expect(stack.fake.received).toHaveLength(1);
    const seen = stack.fake.received[0]!;
    expect(seen.path).toBe(path);
    expect(seen.json.model).toBe('oai-up');
    expect(seen.headers['anthropic-version']).toBeUndefined();
  });

  it('chat still goes to the anthropic target first (it can serve it)', async () => {
    const r = await post('/v1/chat/completions', { model: 'mixed', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-provider')).toBe('claude');
    expect(stack.fake.received[0]!.path).toBe('/v1/messages');
  });

  it('a key allowed only the anthropic provider gets unsupported_endpoint, not a 403 or an upstream call', async () => {
    const only = (await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}`, providers: ['claude'] })).raw;
    const r = await post('/v1/embeddings', { model: 'mixed', input: 'hi' }, only);
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.code).toBe('unsupported_endpoint');
    expect(stack.fake.received).toHaveLength(0);
  });

  it('a capable target that is disabled is a 503 (try later), not unsupported_endpoint', async () => {
    await registry.updateProvider('oai', () => ({ status: 'disabled' }));
    const r = await post('/v1/embeddings', { model: 'mixed', input: 'hi' });
    expect(r.status).toBe(503);
    expect(((await r.json()) as any).error.code).toBe('no_available_provider');
  });
});
