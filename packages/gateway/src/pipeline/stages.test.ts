// The request stages one by one, on a fake context and a fake registry: no server, no Redis,
// milliseconds each. The end-to-end suites in tests/ cover them wired together.
import { ModelSchema, ProviderSchema } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import type { RegistryReader } from '../cache/registry-cache.js';
import { respondError } from '../relay/respond.js';
import { authenticate } from './authenticate.js';
import { fakeContext, fakeKey, fakeRegistry } from './__fixtures__/fake-context.js';
import { listModels } from './list-models.js';
import { parseBody } from './parse-body.js';
import { resolveModel } from './resolve-model.js';

const codeOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return { status: (e as { status: number }).status, code: (e as { code: string }).code };
  }
  return null;
};

describe('authenticate', () => {
  const { key, raw } = fakeKey();
  const reg = fakeRegistry({ keys: [key, fakeKey({ id: 'key_off', status: 'disabled' }, 'gw-off-0123456789abcdef').key, fakeKey({ id: 'key_old', expires_at: '2001-01-01T00:00:00Z' }, 'gw-old-0123456789abcdef').key] });
  it('takes the key from Authorization: Bearer, x-api-key or api-key', async () => {
    for (const headers of [{ authorization: `Bearer ${raw}` }, { 'x-api-key': raw }, { 'api-key': raw }] as Record<string, string>[]) {
      const { ctx } = fakeContext({ headers });
      await authenticate(ctx, reg);
      expect(ctx.key?.id).toBe('key_test');
    }
  });
  it('refuses a missing, unknown, disabled or expired key', async () => {
    const with_ = (h: Record<string, string>) => codeOf(() => authenticate(fakeContext({ headers: h }).ctx, reg));
    expect(await with_({})).toEqual({ status: 401, code: 'missing_api_key' });
    expect(await with_({ authorization: 'Bearer nope-nope-nope' })).toEqual({ status: 401, code: 'invalid_api_key' });
    expect(await with_({ authorization: 'Bearer gw-off-0123456789abcdef' })).toEqual({ status: 403, code: 'key_disabled' });
    expect(await with_({ authorization: 'Bearer gw-old-0123456789abcdef' })).toEqual({ status: 401, code: 'expired_api_key' });
  });
});

describe('parseBody', () => {
  const parsed = (body: unknown, path?: string) => {
    const { ctx } = fakeContext({ body, path });
    parseBody(ctx);
    return ctx;
  };
  it('reads the model and the stream flag (only where the endpoint streams)', () => {
    expect(parsed({ model: 'm', stream: true })).toMatchObject({ publicModel: 'm', stream: true });
    expect(parsed({ model: 'm', stream: true }, '/embeddings')).toMatchObject({ publicModel: 'm', stream: false });
  });
  it('answers 400 for what is not a JSON object with a string model, or nests too deep', async () => {
    const bad = (body: unknown, path?: string) => codeOf(() => parsed(body, path));
    expect(await bad('')).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(await bad('{"model":')).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(await bad([1])).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await bad({})).toMatchObject({ status: 400, code: 'missing_model' });
    expect(await bad({ model: 7 })).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await bad(`{"model":"m","x":${'['.repeat(200)}${']'.repeat(200)}}`)).toMatchObject({ status: 400, code: 'invalid_json' });
    // The Anthropic route checks its own fields.
    expect(await bad({ model: 'm' }, '/messages')).toMatchObject({ status: 400 });
  });
  it('finds the depth limit at its edge, whatever the body length (short bodies skip the walk)', async () => {
    // 129 levels in the fewest bytes (258): too deep; 128 levels (the top object and 127 arrays) pass.
    const nested = (arrays: number) => `{"model":"m","x":${'['.repeat(arrays)}${']'.repeat(arrays)}}`;
    expect(await codeOf(() => parsed(nested(128)))).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(parsed(nested(127)).publicModel).toBe('m');
    // The shortest body an object can nest 129 levels in: 261 bytes, over the 256 that skip the walk.
    expect(await codeOf(() => parsed(`{"":${'['.repeat(128)}${']'.repeat(128)}}`))).toMatchObject({ status: 400, code: 'invalid_json' });
  });
});

describe('resolveModel', () => {
  const reg = fakeRegistry({
    providers: [{ name: 'oa' }, { name: 'an', type: 'anthropic' }, { name: 'off', status: 'disabled' }],
    models: [
      { name: 'm-ok', targets: [{ provider: 'oa', model: 'up-ok' }] },
      { name: 'm-slow', targets: [{ provider: 'oa', model: 'up-slow' }] },
      { name: 'm-ok-alias', alias_of: 'm-slow' },
      { name: 'claude', targets: [{ provider: 'an', model: 'claude-x' }] },
      { name: 'mixed', targets: [{ provider: 'an', model: 'claude-x' }, { provider: 'oa', model: 'gpt-x' }] },
      { name: 'down', targets: [{ provider: 'off', model: 'x' }] },
    ],
  });
  const resolve = async (model: string, keyFields: Parameters<typeof fakeKey>[0] = {}, path?: string) => {
    const { ctx } = fakeContext({ path, key: fakeKey(keyFields).key });
    ctx.publicModel = model;
    await resolveModel(ctx, reg);
    return ctx;
  };
  it('resolves aliases to the model that serves, and keeps the targets that can serve the endpoint', async () => {
    expect((await resolve('m-ok-alias')).model?.name).toBe('m-slow');
    expect((await resolve('mixed', {}, '/embeddings')).targets.map((t) => t.provider.name)).toEqual(['oa']);
  });
  it('refuses an unknown model (404), a model the allow-list does not grant through an alias (403), and what no target serves', async () => {
    expect(await codeOf(resolve('nope'))).toEqual({ status: 404, code: 'model_not_found' });
    expect(await codeOf(resolve('m-ok-alias', { models: ['m-ok*'] }))).toEqual({ status: 403, code: 'model_not_allowed' });
    expect(await codeOf(resolve('claude', {}, '/embeddings'))).toEqual({ status: 400, code: 'unsupported_endpoint' });
    expect(await codeOf(resolve('down'))).toEqual({ status: 503, code: 'no_available_provider' });
    expect(await codeOf(resolve('m-ok', { providers: ['an'] }))).toEqual({ status: 403, code: 'model_not_allowed' });
  });
});

describe("resolveModel: a key's targets of a model, made once while their records stay the same", () => {
  // A cache that has every record: the sync path, as a busy key's requests take it.
  const setup = () => {
    const providers = new Map([['oa', ProviderSchema.parse({ name: 'oa', base_url: 'http://127.0.0.1:1/v1' })], ['an', ProviderSchema.parse({ name: 'an', type: 'anthropic', base_url: 'http://127.0.0.1:1/v1' })]]);
    const model = ModelSchema.parse({ name: 'mixed', targets: [{ provider: 'an', model: 'claude-x' }, { provider: 'oa', model: 'gpt-x' }] });
    const reader: RegistryReader = { ...fakeRegistry(), peekProvider: (n) => providers.get(n) ?? null, peekResolved: (n) => (n === 'mixed' ? { model, via: [] } : undefined) };
    const key = fakeKey().key;
    const run = (path?: string, k = key) => {
      const { ctx } = fakeContext({ path, key: k });
      ctx.publicModel = 'mixed';
      const p = resolveModel(ctx, reader);
      expect(p).toBeUndefined(); // all cached: no promise
      return ctx.targets;
    };
    return { providers, run, key };
  };

  it('the same list for the next request of the key, another for another endpoint or key record', () => {
    const { run, key } = setup();
    const first = run();
    expect(first.map((t) => t.provider.name)).toEqual(['an', 'oa']);
    expect(run()).toBe(first);
    const embeddings = run('/embeddings');
    expect(embeddings.map((t) => t.provider.name)).toEqual(['oa']);
    expect(run()).not.toBe(embeddings);
    expect(run().map((t) => t.provider.name)).toEqual(['an', 'oa']);
    const other = run(undefined, { ...key, providers: ['oa'] });
    expect(other.map((t) => t.provider.name)).toEqual(['oa']);
  });

  it('made again when a provider record is replaced (disabled, reweighted) or gone', async () => {
    const { providers, run } = setup();
    const first = run();
    providers.set('an', ProviderSchema.parse({ name: 'an', type: 'anthropic', base_url: 'http://127.0.0.1:1/v1', status: 'disabled' }));
    expect(run().map((t) => t.provider.name)).toEqual(['oa']);
    providers.set('oa', ProviderSchema.parse({ name: 'oa', base_url: 'http://127.0.0.1:1/v1', weight: 3 }));
    expect(run()[0]!.weight).toBe(3);
    providers.delete('oa');
    expect(await codeOf(async () => run())).toEqual({ status: 503, code: 'no_available_provider' });
    expect(first.map((t) => t.provider.name)).toEqual(['an', 'oa']); // a list handed out is never changed
  });
});

describe('listModels', () => {
  const reg = fakeRegistry({ providers: [{ name: 'oa' }], models: [{ name: 'a', targets: [{ provider: 'oa', model: 'a' }] }, { name: 'b', targets: [{ provider: 'oa', model: 'b' }] }] });
  it('lists and looks up only what the key may use', async () => {
    const { ctx, sink } = fakeContext({ path: '/models', key: fakeKey({ models: ['a'] }).key });
    await listModels(ctx, reg);
    expect(sink.json().data.map((m: { id: string }) => m.id)).toEqual(['a']);
    const one = fakeContext({ path: '/models', key: fakeKey({ models: ['a'] }).key });
    one.ctx.publicModel = 'b';
    expect(await codeOf(listModels(one.ctx, reg))).toEqual({ status: 404, code: 'model_not_found' });
  });
});

describe('respondError', () => {
  it('answers in the client API shape, with the request id and the error headers, and records the code', () => {
    const a = fakeContext({ path: '/messages' });
    respondError(a.ctx, Object.assign(new Error('x'), {}));
    expect(a.sink.status).toBe(500);
    expect(a.sink.json()).toEqual({ type: 'error', error: { type: 'api_error', message: 'The gateway failed to process the request.' } });
    expect(a.sink.headers['x-request-id']).toBe('req_test');
    expect(a.ctx.errorCode).toBe('internal_error');
  });
});
