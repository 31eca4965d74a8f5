// Key allow-lists end to end: the model that serves (the one billed) must be allowed; an
// allow-list entry that names an alias exactly grants what it points to, through that alias;
// a glob grants the serving models it matches, never an alias because of the alias's name.
// Provider allow-lists narrow the targets. Every endpoint that takes a model obeys the same
// rule, and GET /v1/models lists exactly what chat accepts.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { useGatewayStack } from './support/stack.js';

// Every read goes to Redis: each test reseeds names the previous one used.
const stack = useGatewayStack({ env: { GW_CACHE_TTL_MS: '0', GW_NEGATIVE_CACHE_TTL_MS: '0', GW_EXPOSE_SELECTION: '1' } });
const { registry } = stack;

/**
 * pa, pb: two OpenAI-type providers on the fake. m-ok → pa/up-ok, m-slow → pa/up-slow,
 * m-ok-alias → m-slow (the alias of the report), a2 → m-ok-alias (a chain), m-group → pa/up-g1
 * (first) + pb/up-g2, g-alias → m-group, m-b → pb/up-b.
 */
beforeEach(async () => {
  await registry.addProvider({ name: 'pa', base_url: stack.fake.url, secrets: ['sk-upstream-pa-0001'] });
  await registry.addProvider({ name: 'pb', base_url: stack.fake.url, secrets: ['sk-upstream-pb-0001'] });
  await registry.bindModel('m-ok', { provider: 'pa', model: 'up-ok' });
  await registry.bindModel('m-slow', { provider: 'pa', model: 'up-slow' });
  await registry.putModel({ name: 'm-ok-alias', alias_of: 'm-slow' });
  await registry.putModel({ name: 'a2', alias_of: 'm-ok-alias' });
  await registry.bindModel('m-group', { provider: 'pa', model: 'up-g1', priority: 0 }, 'priority');
  await registry.bindModel('m-group', { provider: 'pb', model: 'up-g2', priority: 1 });
  await registry.putModel({ name: 'g-alias', alias_of: 'm-group' });
  await registry.bindModel('m-b', { provider: 'pb', model: 'up-b' });
});

async function keyFor(models: string[], providers: string[] = []): Promise<string> {
  const { raw } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}`, models, providers });
  return raw;
}

async function chat(key: string, model: string): Promise<{ status: number; body: any; provider: string | null }> {
  const r = await fetch(`${stack.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: r.status, body: await r.json(), provider: r.headers.get('x-gateway-provider') };
}

async function listed(key: string): Promise<string[]> {
  const r = await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id).sort();
}

async function getOne(key: string, id: string): Promise<number> {
  const r = await fetch(`${stack.gw.url}/v1/models/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${key}` } });
  await r.text();
  return r.status;
}

/** The upstream model names the fake was asked for. */
const upstreamModels = () => stack.fake.received.map((r) => r.json?.model as string);

describe('the exact bypass of the report', () => {
  it('a key allowed m-ok* cannot reach m-slow through the alias m-ok-alias (nothing reaches the upstream)', async () => {
    const key = await keyFor(['m-ok*']);
    const r = await chat(key, 'm-ok-alias');
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'model_not_allowed', type: 'permission_denied', param: 'model' });
    expect(r.body.error.message).toContain('m-ok-alias');
    expect((await chat(key, 'm-slow')).status).toBe(403);
    expect((await chat(key, 'a2')).status).toBe(403);
    expect(stack.fake.received).toHaveLength(0);
    expect((await chat(key, 'm-ok')).status).toBe(200);
    expect(upstreamModels()).toEqual(['up-ok']);
    expect(await listed(key)).toEqual(['m-ok']);
    expect(await getOne(key, 'm-ok-alias')).toBe(404);
    expect(await getOne(key, 'm-ok')).toBe(200);
  });

  it('the official SDKs see the same: PermissionDeniedError, and a models list without the alias', async () => {
    const key = await keyFor(['m-ok*']);
    const openai = new OpenAI({ baseURL: stack.gw.baseURL, apiKey: key, maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'm-ok-alias', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(['m-ok']);
    const anthropic = new Anthropic({ baseURL: stack.gw.url, apiKey: key, maxRetries: 0 });
    await expect(anthropic.messages.create({ model: 'm-ok-alias', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(stack.fake.received).toHaveLength(0);
  });
});

describe('an entry that names an alias grants what it points to, through that alias', () => {
  it('allowing m-ok-alias serves m-slow through it, and through an alias of it, but not m-slow by its own name', async () => {
    const key = await keyFor(['m-ok-alias']);
    expect((await chat(key, 'm-ok-alias')).status).toBe(200);
    expect((await chat(key, 'a2')).status).toBe(200); // a2 → m-ok-alias → m-slow: goes through the granted alias
    expect((await chat(key, 'm-slow')).status).toBe(403);
    expect(upstreamModels()).toEqual(['up-slow', 'up-slow']);
    expect(await listed(key)).toEqual(['a2', 'm-ok-alias']);
  });

  it('allowing the end of a chain grants only that name', async () => {
    const key = await keyFor(['a2']);
    expect((await chat(key, 'a2')).status).toBe(200);
    expect((await chat(key, 'm-ok-alias')).status).toBe(403);
    expect((await chat(key, 'm-slow')).status).toBe(403);
    expect(await listed(key)).toEqual(['a2']);
  });

  it('allowing the serving model grants every alias of it', async () => {
    const key = await keyFor(['m-slow']);
    for (const name of ['m-slow', 'm-ok-alias', 'a2']) expect((await chat(key, name)).status).toBe(200);
    expect(await listed(key)).toEqual(['a2', 'm-ok-alias', 'm-slow']);
  });

  it('a glob never grants through an alias name it happens to match', async () => {
    const key = await keyFor(['a*', 'g-*']);
    expect((await chat(key, 'a2')).status).toBe(403);
    expect((await chat(key, 'g-alias')).status).toBe(403);
    expect(await listed(key)).toEqual([]);
    expect(stack.fake.received).toHaveLength(0);
  });
});

describe('groups and provider allow-lists', () => {
  it('a target on a provider the key may not use is never chosen, by name or through an alias', async () => {
    const key = await keyFor(['m-group', 'g-alias'], ['pb']);
    for (let i = 0; i < 3; i++) {
      expect((await chat(key, 'm-group')).provider).toBe('pb');
      expect((await chat(key, 'g-alias')).provider).toBe('pb');
    }
    expect(new Set(upstreamModels())).toEqual(new Set(['up-g2']));
    // Without the provider allow-list the same key's models go to pa first (priority).
    const open = await keyFor(['m-group']);
    expect((await chat(open, 'm-group')).provider).toBe('pa');
  });

  it('a model whose every target is on a provider the key may not use is refused and not listed, also behind an alias', async () => {
    await registry.putModel({ name: 'b-alias', alias_of: 'm-b' });
    const key = await keyFor(['*'], ['pa']);
    expect((await chat(key, 'm-b')).status).toBe(403);
    expect((await chat(key, 'b-alias')).status).toBe(403);
    expect(await listed(key)).toEqual(['a2', 'g-alias', 'm-group', 'm-ok', 'm-ok-alias', 'm-slow']);
    expect(await getOne(key, 'b-alias')).toBe(404);
    expect(stack.fake.received).toHaveLength(0);
  });

  it('an alias-granted model still obeys the provider allow-list', async () => {
    const key = await keyFor(['g-alias'], ['pa']);
    const r = await chat(key, 'g-alias');
    expect(r.status).toBe(200);
    expect(r.provider).toBe('pa');
    expect((await chat(key, 'm-group')).status).toBe(403);
    expect(await listed(key)).toEqual(['g-alias']);
  });
});

/** A request for `model` on `path` (after /v1), in the body shape that endpoint takes. */
function requestOn(path: string, model: string, key: string): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  let body: string | FormData;
  if (path.startsWith('/audio/trans')) {
    const form = new FormData();
    form.set('model', model);
    form.set('file', new Blob([Buffer.from('RIFF0000WAVE')], { type: 'audio/wav' }), 'a.wav');
    body = form;
  } else {
    headers['content-type'] = 'application/json';
    const fields: Record<string, Record<string, unknown>> = {
      '/chat/completions': { messages: [{ role: 'user', content: 'hi' }] },
      '/completions': { prompt: 'hi' },
      '/embeddings': { input: 'hi' },
      '/responses': { input: 'hi' },
      '/moderations': { input: 'hi' },
      '/images/generations': { prompt: 'a cat' },
      '/audio/speech': { input: 'hi', voice: 'alloy' },
      '/messages': { max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
      '/messages/count_tokens': { messages: [{ role: 'user', content: 'hi' }] },
    };
    body = JSON.stringify({ model, ...fields[path] });
  }
  return fetch(`${stack.gw.url}/v1${path}`, { method: 'POST', headers, body });
}

describe('every endpoint that takes a model', () => {
  const paths = [
    '/chat/completions',
    '/completions',
    '/embeddings',
    '/responses',
    '/moderations',
    '/images/generations',
    '/audio/speech',
    '/audio/transcriptions',
    '/audio/translations',
    '/messages',
    '/messages/count_tokens',
  ];

  it.each(paths)('%s refuses the alias bypass in its own error shape and lets the allowed model through', async (path) => {
    const key = await keyFor(['m-ok*']);
    const refused = await requestOn(path, 'm-ok-alias', key);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as any;
    if (path.startsWith('/messages')) expect(body).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    else expect(body.error).toMatchObject({ code: 'model_not_allowed' });
    expect(stack.fake.received).toHaveLength(0);

    const allowed = await requestOn(path, 'm-ok', key);
    const text = await allowed.text();
    expect(allowed.status).not.toBe(403);
    expect(text).not.toMatch(/model_not_found|not_found_error/);
  });
});
