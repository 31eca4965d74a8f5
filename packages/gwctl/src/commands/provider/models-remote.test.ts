import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { providerAdd } from './add.js';
import { providerModels } from './models.js';

const SECRET = 'sk-upstream-secret-0123456789abcdef';

/** A real upstream on 127.0.0.1:0 whose GET /v1/models answers what the test scripts. */
describe('provider models --remote against a real HTTP server', () => {
  const t = useGwctl();
  let server: Server;
  let base: string;
  let seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  let reply: { status: number; body: unknown; delayMs?: number } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen = [];
    reply = { status: 200, body: { object: 'list', data: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini' }, { id: 'gpt-4o' }] } };
  });

  it('sends the bearer secret, prints the ids, and --import/--bind store them', async () => {
    const { ctx, out, registry } = t.context();
    await providerAdd(ctx, { name: 'up', baseUrl: `${base}/`, apiKey: [SECRET], header: [['X-Extra', '1']] });
    const r = t.context();
    await providerModels(r.ctx, { name: 'up', remote: true });
    expect(r.out.stdout()).toBe('gpt-4o\ngpt-4o-mini\n');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/v1/models');
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen[0]!.headers['x-extra']).toBe('1');
    expect((await registry.getProvider('up'))!.models).toEqual([]);

    const i = t.context();
    await providerModels(i.ctx, { name: 'up', import: true, bind: true });
    expect((await registry.getProvider('up'))!.models).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect((await registry.getModel('gpt-4o-mini'))!.targets).toEqual([expect.objectContaining({ provider: 'up', model: 'gpt-4o-mini' })]);
    expect(i.out.stderr()).toMatch(/stored 2 model\(s\).*\n.*bound 2/);
    expect(out.stdout() + r.out.stdout() + i.out.stdout() + i.out.stderr()).not.toContain(SECRET);
  });

  it('resolves env: secrets from the environment and uses the auth header of the provider', async () => {
    const { ctx } = t.context();
    await providerAdd(ctx, { name: 'az', baseUrl: base, authHeader: 'api-key', apiKeyEnv: ['MISSING_KEY', 'AZ_KEY'] });
    await providerModels(t.context({ env: { AZ_KEY: SECRET } }).ctx, { name: 'az', remote: true });
    expect(seen[0]!.headers['api-key']).toBe(SECRET);
    expect(seen[0]!.headers.authorization).toBeUndefined();

    await expect(providerModels(t.context({ env: {} }).ctx, { name: 'az', remote: true })).rejects.toThrow(
      /none of the secrets of provider "az" resolves in this shell \(env:MISSING_KEY, env:AZ_KEY unset\)/,
    );
  });

  it('speaks Anthropic: x-api-key and anthropic-version', async () => {
    reply = { status: 200, body: { data: [{ id: 'claude-sonnet-4-5', display_name: 'Claude' }], has_more: false } };
    const { ctx } = t.context();
    await providerAdd(ctx, { name: 'anthropic', type: 'anthropic', baseUrl: base, apiKey: [SECRET] });
    const r = t.context();
    await providerModels(r.ctx, { name: 'anthropic', remote: true, json: true });
    expect(JSON.parse(r.out.stdout())).toMatchObject({ source: 'remote', models: ['claude-sonnet-4-5'] });
    expect(seen[0]!.headers['x-api-key']).toBe(SECRET);
    expect(seen[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('turns upstream errors into user errors that never contain the secret, and writes nothing', async () => {
    const { ctx } = t.context();
    await providerAdd(ctx, { name: 'up', baseUrl: base, apiKey: [SECRET] });
    const before = await t.revision();
    reply = { status: 401, body: { error: { message: `Incorrect API key provided: ${SECRET}`, type: 'invalid_request_error' } } };
    const err = await providerModels(t.context().ctx, { name: 'up', import: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/models answered 401 Unauthorized: Incorrect API key provided: \*\*\*/);
    expect((err as Error).message).not.toContain(SECRET);

    reply = { status: 200, body: 'not json' };
    await expect(providerModels(t.context().ctx, { name: 'up', remote: true })).rejects.toThrow(/did not answer JSON/);
    reply = { status: 200, body: { data: [] }, delayMs: 500 };
    await expect(providerModels(t.context().ctx, { name: 'up', remote: true, timeoutMs: 100 })).rejects.toThrow(/no answer within 100 ms/);
    expect(await t.revision()).toBe(before);
  });

  it('reports an unreachable upstream as a user error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { ctx } = t.context();
    await providerAdd(ctx, { name: 'down', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: [SECRET] });
    await expect(providerModels(t.context().ctx, { name: 'down', remote: true })).rejects.toThrow(
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v1/models: ECONNREFUSED`),
    );
  });
});
