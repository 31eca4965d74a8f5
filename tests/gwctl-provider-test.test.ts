// `gwctl provider test NAME` (issue 16, item 8): one real call from the CLI's machine, a
// one-line verdict of what is wrong, exit code 0/1. The real gwctl process against fake upstreams.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctl, type CliResult } from './support/cli.js';
import { testRegistry } from './support/gateway.js';
import { useTestRedis } from './support/redis.js';
import { makeTlsMaterial, type TlsMaterial } from './support/tls-material.js';

const { url: redisUrl } = useTestRedis();
const registry = testRegistry();
const SECRET = 'sk-provider-test-secret-000000001';
const VAR = 'GWCTL_TEST_PROVIDER_KEY';

let fake: FakeProvider;
let strict: FakeProvider;
let guarded: FakeProvider;
beforeAll(async () => {
  [fake, strict, guarded] = await Promise.all([startFakeProvider(), startFakeProvider({ strictModels: true, models: ['gpt-4o-mini'] }), startFakeProvider({ requireKey: SECRET })]);
});
afterAll(async () => {
  await Promise.all([fake.close(), strict.close(), guarded.close(), registry.redis.quit()]);
});
beforeEach(() => {
  for (const f of [fake, strict, guarded]) f.reset();
});

const test = (args: string[], env: Record<string, string> = {}) => gwctl(['provider', 'test', ...args], { REDIS_URL: redisUrl, ...env });

/** A provider `p` with a bound public model `pub` → `model`. */
async function seed(baseUrl: string, opts: { model?: string; secrets?: string[] } = {}): Promise<void> {
  await registry.addProvider({ name: 'p', base_url: baseUrl, secrets: opts.secrets ?? [SECRET] });
  await registry.bindModel('pub', { provider: 'p', model: opts.model ?? 'gpt-4o-mini' });
}

function expectFailure(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toContain(SECRET);
}

describe('gwctl provider test', () => {
  it('ok: lists the models, makes a 1-token completion with the bound model and its secret, exit 0', async () => {
    await seed(guarded.url);
    const r = await test(['p']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^p: ok: gpt-4o-mini answered a 1-token completion in \d+ ms, listed among 4 models\n$/);
    expect(guarded.received.map((q) => [q.method, q.path, q.headers.authorization])).toEqual([
      ['GET', '/v1/models', `Bearer ${SECRET}`],
      ['POST', '/v1/chat/completions', `Bearer ${SECRET}`],
    ]);
    expect(guarded.received[1]!.json).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1 });

    const j = await test(['p', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      provider: 'p', ok: true, verdict: 'ok', model: 'gpt-4o-mini', secret: 1,
      checks: [{ check: 'models', status: 200, detail: null }, { check: 'completion', status: 200, detail: null }],
    });
    expect(j.stdout).not.toContain(SECRET);
  });

  it('a base URL without /v1: 404, "probably lacks /v1", with the URL to try', async () => {
    await seed(fake.origin);
    expectFailure(await test(['p']), new RegExp(`^error: p: 404 from ${fake.origin}/chat/completions: the base URL probably lacks /v1 \\(try ${fake.origin}/v1\\)\\n$`));
  });

  it('a bound model the upstream does not serve: unknown model', async () => {
    await seed(strict.url, { model: 'gpt-nope' });
    expectFailure(await test(['p']), /^error: p: unknown model gpt-nope: .*\/v1\/chat\/completions answered 404 for it while GET \/models works/);
    // --model tries another one.
    expect((await test(['p', '--model', 'gpt-4o-mini'])).code).toBe(0);
  });

  it('a refused secret: 401, naming the secret by number; the secret the upstream echoes is never shown', async () => {
    await seed(fake.url);
    fake.enqueue({ status: 401, errorBody: { error: { message: `Incorrect API key provided: ${SECRET}`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
    expectFailure(await test(['p']), /^error: p: 401 from .*\/v1\/models: the upstream refused secret #1 \(wrong, revoked or without access\)\n$/);
    fake.enqueue({ status: 401, errorBody: { error: { message: `Incorrect API key provided: ${SECRET}` } } });
    const j = await test(['p', '--json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report).toMatchObject({ ok: false, verdict: 'bad_secret', checks: [{ check: 'models', status: 401, detail: 'Incorrect API key provided: ***' }] });
    expect(j.stdout + j.stderr).not.toContain(SECRET);
  });

  it('env: secrets are read from gwctl\'s own environment, and an unset one is said so', async () => {
    await seed(guarded.url, { secrets: [`env:${VAR}`] });
    expectFailure(await test(['p']), new RegExp(`^error: p: environment variable ${VAR} is unset in this shell: gwctl reads env: secrets from its own environment`));
    expect(guarded.received).toHaveLength(0);
    expect((await test(['p'], { [VAR]: SECRET })).code).toBe(0);
  });

  it('unreachable, TLS failures and silence are named as such', async () => {
    const closed = createHttpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await seed(`http://127.0.0.1:${port}/v1`);
    expectFailure(await test(['p']), new RegExp(`^error: p: unreachable: cannot connect to http://127\\.0\\.0\\.1:${port}/v1/models \\(ECONNREFUSED\\)`));

    let tls: TlsMaterial | null = null;
    const server = createServer();
    try {
      tls = makeTlsMaterial();
      server.setSecureContext({ cert: readFileSync(tls.serverCertFile), key: readFileSync(tls.serverKeyFile) });
      server.on('request', (_req, res) => res.end('{}'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      await registry.updateProvider('p', () => ({ base_url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1` }));
      expectFailure(await test(['p']), /^error: p: TLS failure talking to https:\/\/127\.0\.0\.1:\d+\/v1\/models \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    } finally {
      server.close();
      tls?.cleanup();
    }

    await registry.updateProvider('p', () => ({ base_url: fake.url }));
    fake.enqueue({ headersDelayMs: 3000 });
    expectFailure(await test(['p', '--timeout-ms', '300']), /^error: p: .*\/v1\/models: no answer within 300 ms/);
  });

  it('gemini: the key as x-goog-api-key, GET /models and a 1-token generateContent; a key Google does not know (400 API_KEY_INVALID) is bad_secret; a base URL without /v1beta says so', async () => {
    await registry.addProvider({ name: 'p', type: 'gemini', base_url: `${guarded.origin}/v1beta`, secrets: [SECRET] });
    await registry.bindModel('pub', { provider: 'p', model: 'gemini-2.0-flash' });
    const r = await test(['p']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^p: ok: gemini-2\.0-flash answered a 1-token completion in \d+ ms, listed among 4 models\n$/);
    expect(guarded.received.map((q) => [q.method, q.path, q.headers['x-goog-api-key'], q.status])).toEqual([
      ['GET', '/v1beta/models', SECRET, 200],
      ['POST', '/v1beta/models/gemini-2.0-flash:generateContent', SECRET, 200],
    ]);
    expect(guarded.received[1]!.json).toEqual({ contents: [{ role: 'user', parts: [{ text: 'ping' }] }], generationConfig: { maxOutputTokens: 1 } });
    const listed = await gwctl(['provider', 'models', 'p', '--remote', '--json'], { REDIS_URL: redisUrl });
    expect(JSON.parse(listed.stdout).models).toEqual(['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-embedding-001']);

    await registry.updateProvider('p', () => ({ secrets: ['gm-wrong-key-0000000000000'] }));
    expectFailure(await test(['p']), /^error: p: 400 from .*\/v1beta\/models: the upstream refused secret #1 \(wrong, revoked or without access\)\n$/);

    await registry.updateProvider('p', () => ({ base_url: fake.origin, secrets: [SECRET] }));
    expectFailure(await test(['p']), new RegExp(`^error: p: 404 from ${fake.origin}/models/gemini-2\\.0-flash:generateContent: the base URL probably lacks /v1beta \\(try ${fake.origin}/v1beta\\)\\n$`));
  });

  it('a model that refuses max_tokens is asked again with max_completion_tokens; a client error is "refused"', async () => {
    await seed(fake.url);
    const refusal = { status: 400, errorBody: { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } } };
    fake.enqueue({}, refusal);
    expect((await test(['p'])).code).toBe(0);
    expect(fake.received[2]!.json).toMatchObject({ max_completion_tokens: 1 });
    expect(fake.received[2]!.json.max_tokens).toBeUndefined();

    fake.enqueue({}, { status: 400, errorBody: { error: { message: 'messages: too short', type: 'invalid_request_error', param: 'messages' } } });
    expectFailure(await test(['p']), /^error: p: the 1-token test completion with gpt-4o-mini was refused: 400 from .*: messages: too short\n$/);
  });
});
