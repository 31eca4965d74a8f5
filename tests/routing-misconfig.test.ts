import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { PROVIDER_SUBJECT, RT_KEYS } from '@llmgw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, seedModel, useRoutingStack } from './routing-helpers.js';
import { gwctl } from './support/cli.js';
import type { TestGateway } from './support/gateway.js';

// Issue 16, item 8: an upstream 404 (base URL without /v1, a model the upstream does not
// serve) or 401/403 for a configured target is that target's fault, not the client's.
const env = { GW_EXPOSE_SELECTION: '1', GW_HEALTH_REFRESH_MS: '100', GW_COOLDOWN_BASE_MS: '60000', GW_ADMIN_PORT: '0' };
const stack = useRoutingStack({ gateways: [env, env] });
const { redis, redisUrl, registry } = stack;
const SECRET = 'sk-misconfig-upstream-secret-0001';
const LINE_404 = /^404 from upstream for model gpt-nope \(POST \/chat\/completions\): the base URL may lack \/v1, or the model does not exist there or does not serve this endpoint$/;

let g1: TestGateway;
let g2: TestGateway;
/** An upstream that answers 404 for models it does not serve, as real ones do. */
let strict: FakeProvider;
beforeAll(async () => {
  [g1, g2] = [stack.gws[0]!, stack.gws[1]!];
  strict = await startFakeProvider({ strictModels: true, models: ['gpt-4o-mini'] });
});
afterAll(() => strict.close());

const health = (provider: string) => redis.hgetall(RT_KEYS.providerHealth(provider));
const status = async (g: TestGateway) => (await fetch(`http://127.0.0.1:${g.gw.adminPort}/status`)).json() as Promise<any>;
const gwctlStatus = async (name: string) => {
  const r = await gwctl(['provider', 'status', name, '--json'], { REDIS_URL: redisUrl });
  expect(r.code, r.stderr).toBe(0);
  return { view: JSON.parse(r.stdout), text: r.stdout };
};

function post(g: TestGateway, path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${g.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('an upstream 404 for a configured target is a misconfiguration', () => {
  it('a base URL without /v1: fail over, cool that target, and every pod skips it', async () => {
    const n = await seedModel(registry, 'routed', { a: { url: stack.a.origin, priority: 0 }, b: { fake: stack.b, priority: 1 } });
    const r = await chat(g1.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(stack.a.received.map((q) => q.path)).toEqual(['/chat/completions']);

    const h = await health(n.a!);
    expect(Number(h['t:/chat/completions:gpt-4o-mini.u'])).toBeGreaterThan(Date.now());
    expect(h['t:/chat/completions:gpt-4o-mini.r']).toMatch(/^404 from upstream for model gpt-4o-mini .*the base URL may lack \/v1/);
    // The provider itself is not cooled: one target's 404 says nothing about its other models.
    expect(h[`${PROVIDER_SUBJECT}.u`]).toBeUndefined();

    // The other pod never routed there: it reads the shared state and goes straight to B.
    for (const g of [g2, g1, g2]) expect(await chat(g.url, stack.key)).toMatchObject({ status: 200, provider: n.b, attempts: 1 });
    expect(stack.a.received).toHaveLength(1);
  });

  it('a model the upstream does not serve: fail over; status and gwctl name it in one line', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: strict, priority: 0, upstreamModel: 'gpt-nope', secrets: [SECRET] }, b: { fake: stack.b, priority: 1 } });
    expect(await chat(g1.url, stack.key)).toMatchObject({ status: 200, provider: n.b, attempts: 2 });

    const { view, text } = await gwctlStatus(n.a!);
    expect(view.targets).toEqual([expect.objectContaining({ model: 'gpt-nope', endpoint: '/chat/completions', state: 'cooling', last_reason: expect.stringMatching(LINE_404) })]);
    expect(view.problems).toEqual([expect.stringMatching(LINE_404)]);
    expect(text).not.toContain(SECRET);

    const st = await status(g1);
    const p = st.providers.find((x: any) => x.name === n.a);
    expect(p).toMatchObject({ state: 'degraded' });
    expect(p.problems).toEqual([expect.stringMatching(LINE_404)]);
    expect(st.providers.find((x: any) => x.name === n.b)).toMatchObject({ state: 'ok', problems: [] });
    expect(JSON.stringify(st)).not.toContain(SECRET);
  });

  it('only that (model, endpoint) cools: the same provider keeps serving its other models', async () => {
    await registry.addProvider({ name: 'shared', base_url: strict.url, secrets: [SECRET] });
    await registry.putModel({ name: 'broken', targets: [{ provider: 'shared', model: 'gpt-nope', weight: 1, priority: 0 }], policy: 'priority' });
    await registry.putModel({ name: 'fine', targets: [{ provider: 'shared', model: 'gpt-4o-mini', weight: 1, priority: 0 }], policy: 'priority' });
    expect((await chat(g1.url, stack.key, { model: 'broken' })).status).toBe(502);
    for (let i = 0; i < 3; i++) expect(await chat(g1.url, stack.key, { model: 'fine' })).toMatchObject({ status: 200, provider: 'shared' });
  });

  it('when every target is misconfigured the client gets a clear 502 in its own API shape, never the upstream body', async () => {
    const n = await seedModel(registry, 'routed', { a: { url: stack.a.origin, secrets: [SECRET] } });
    stack.a.setBehaviour({ status: 404, errorBody: { error: { message: `no route, key was ${SECRET}`, type: 'invalid_request_error', code: 'unknown_url' } } });
    const r = await chat(g1.url, stack.key);
    expect(r.status).toBe(502);
    expect(r.json.error).toEqual({
      type: 'server_error',
      code: 'upstream_misconfigured',
      param: null,
      message: expect.stringMatching(new RegExp(`^The model \`routed\` could not be served: provider "${n.a}" is misconfigured \\(404 from upstream for model gpt-4o-mini \\(POST /chat/completions\\): the base URL may lack /v1`)),
    });
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('no route');

    // On the Anthropic route, Anthropic-shaped.
    const m = await post(g1, '/v1/messages', { model: 'routed', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(m.status).toBe(502);
    const body = await m.json();
    expect(body).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('is misconfigured') } });
    for (const g of [g1, g2]) {
      expect(g.logs.text).not.toContain(SECRET);
      expect(await (await fetch(`http://127.0.0.1:${g.gw.adminPort}/metrics`)).text()).not.toContain(SECRET);
      expect(JSON.stringify(await status(g))).not.toContain(SECRET);
    }
  });

  it('a genuine client error (400, 422) still goes back as is, with no failover and no cooldown', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } });
    for (const st of [400, 422]) {
      stack.a.enqueue({ status: st, errorBody: { error: { message: `bad ${st}`, type: 'invalid_request_error', code: `c${st}`, param: 'messages' } } });
      const r = await chat(g1.url, stack.key);
      expect(r).toMatchObject({ status: st, attempts: 1 });
      expect(r.json.error.code).toBe(`c${st}`);
    }
    expect(stack.b.received).toHaveLength(0);
    expect(await health(n.a!)).toEqual({});
  });

  it('a previous_response_id neither the gateway nor the upstream knows is the client\'s: the upstream\'s 400, no failover, no health change', async () => {
    // Unknown to the gateway, it goes as is to a native Responses target (docs/responses.md), whose 400 is the client's.
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } });
    const r = await post(g1, '/v1/responses', { model: 'routed', input: 'hi', previous_response_id: 'resp_x' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('previous_response_not_found');
    expect(stack.a.received.map((x) => x.json.previous_response_id)).toEqual(['resp_x']);
    expect(stack.b.received).toHaveLength(0);
    expect(await health(n.a!)).toEqual({});
  });
});

describe('an upstream 401/403 is the secret\'s fault', () => {
  it('fails over, cools the secret with a readable reason, and the client never sees the upstream 401', async () => {
    const guarded = await startFakeProvider({ requireKey: 'sk-the-right-one-0000000001' });
    try {
      const n = await seedModel(registry, 'routed', { g: { fake: guarded, secrets: [SECRET], priority: 0 }, b: { fake: stack.b, priority: 1 } });
      expect(await chat(g1.url, stack.key)).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
      const { view, text } = await gwctlStatus(n.g!);
      expect(view.secrets[0]).toMatchObject({ index: 1, state: 'cooling', last_reason: '401 from upstream: the secret was refused (wrong, revoked or without access)' });
      expect(view.problems).toEqual(['secret #1: 401 from upstream: the secret was refused (wrong, revoked or without access)']);
      expect(text).not.toContain(SECRET);

      // Alone, the client gets a gateway error, not "Incorrect API key provided", which it would take for its own key.
      await registry.putModel({ name: 'routed', targets: [{ provider: n.g!, model: 'gpt-4o-mini', weight: 1, priority: 0 }], policy: 'priority' });
      await expect.poll(async () => (await g2.gw.cache.getModel('routed'))?.targets.length).toBe(1);
      const r = await chat(g2.url, stack.key);
      expect(r.status).toBe(502);
      expect(r.json.error).toMatchObject({ code: 'upstream_misconfigured', message: expect.stringContaining(`provider "${n.g}" is misconfigured (secret #1: 401 from upstream: the secret was refused`) });
      expect(r.text).not.toContain('Incorrect API key');
      expect(r.text).not.toContain(SECRET);
    } finally {
      await guarded.close();
    }
  });
});
