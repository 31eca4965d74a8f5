// gwctl import of the seed projects' own configuration files, as their pages give them
// (../shared/reference, parsed; tests/fixtures/seed-configs when the pages are absent), run as
// a real gwctl process, then the pages' own requests through the gateway to the fake provider.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctl, gwctlOk } from './support/cli.js';
import { liteExamples, openBridgeExamples, readFixtures, referencePage, seedRequests, type CurlExample } from './support/reference-examples.js';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({ fakes: 2 });
const dir = mkdtempSync(path.join(tmpdir(), 'gw-import-'));
const env = () => ({ REDIS_URL: stack.redisUrl });
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => ensureBuilt());

/** A page's request sent to the gateway instead of the seed's host, with `key` when the seed needs none. */
async function send(example: CurlExample, key?: string): Promise<{ status: number; text: string }> {
  const url = new URL(example.url);
  const headers = { ...example.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const r = await fetch(`${stack.gw.url}${url.pathname}`, { method: 'POST', headers, body: JSON.stringify(example.body) });
  return { status: r.status, text: await r.text() };
}

/** The `model` of a JSON answer, or of every chunk of an SSE one. */
function answeredModels(text: string): string[] {
  if (!text.startsWith('data:')) return [(JSON.parse(text) as { model: string }).model];
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => (JSON.parse(l.slice(6)) as { model: string }).model);
}

describe('the seed examples', () => {
  it('the checked-in copies match what the reference pages give', () => {
    if (referencePage('001') === null || referencePage('003') === null) return; // a checkout without ../shared/reference
    expect(liteExamples().files).toEqual(readFixtures('001-'));
    expect(openBridgeExamples().files).toEqual(readFixtures('003-'));
    expect(seedRequests('001')).toEqual(seedRequests('001', null));
    expect(seedRequests('003')).toEqual(seedRequests('003', null));
  });
});

describe('gwctl import llm-gateway-lite (seed 001)', () => {
  const lite = liteExamples().files;

  it('imports the quick start providers.yaml and models.yaml; its requests then work through the gateway', async () => {
    // The one change: its upstream is our fake instead of api.openai.com.
    const providers = write('providers.yaml', lite['providers.yaml']!.replace('https://api.openai.com', stack.fake.origin));
    const models = write('models.yaml', lite['models.yaml']!);

    const dry = await gwctl(['import', 'llm-gateway-lite', providers, models, '--dry-run'], env());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: would create 3, update 0, delete 0');
    expect(await stack.registry.listProviders()).toEqual([]);

    const r = await gwctl(['import', 'llm-gateway-lite', providers, models], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('applied: 3 created, 0 updated, 0 deleted');
    // One warning per setting it could not carry over, at its place in the files.
    expect(r.stderr).toContain(`warning: ${providers}:13:5: providers.openai.keys: key ids are not kept`);
    expect(r.stderr).toContain(`warning: ${models}:10:7: models.gpt-3.5-turbo.provider_map.openrouter: no provider openrouter in providers.yaml; this target is dropped`);
    expect(r.stdout + r.stderr).not.toContain('sk-your-api-key-here');

    expect(await stack.registry.getProvider('openai')).toMatchObject({
      base_url: stack.fake.url,
      auth_type: 'bearer',
      secrets: ['sk-your-api-key-here'],
      weight: 5,
      connect_timeout_ms: 60000,
      first_byte_timeout_ms: 60000,
      idle_timeout_ms: 60000,
    });
    expect(await stack.registry.getModel('gpt-3.5-turbo')).toMatchObject({ policy: 'priority', targets: [{ provider: 'openai', model: 'gpt-3.5-turbo', weight: 1, priority: 0 }] });
    expect(await stack.registry.getModel('chatgpt3.5')).toMatchObject({ alias_of: 'gpt-3.5-turbo' });

    // Importing again changes nothing.
    expect((await gwctlOk(['import', 'llm-gateway-lite', providers, models], env()))).toContain('no changes');

    // llm-gateway-lite needs no client key; this gateway does.
    const key = JSON.parse(await gwctlOk(['key', 'add', 'lite-client', '--json'], env())).key as string;
    const requests = seedRequests('001');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const example of requests) {
      const res = await send(example, key);
      expect(res.status, res.text).toBe(200);
      expect(new Set(answeredModels(res.text))).toEqual(new Set(['gpt-3.5-turbo']));
      const got = stack.fake.received.at(-1)!;
      expect(got.json.model).toBe('gpt-3.5-turbo');
      expect(got.headers.authorization).toBe('Bearer sk-your-api-key-here');
    }
    const viaAlias = await send({ ...requests[0]!, body: { ...(requests[0]!.body as object), model: 'chatgpt3.5' } }, key);
    expect(viaAlias.status).toBe(200);
    expect(answeredModels(viaAlias.text)).toEqual(['chatgpt3.5']);
  });

  /** A routing scenario of the page, its providers (which leave base_url out) pointed at the fakes. */
  async function importScenario(name: 'failover' | 'weighted', upstreams: Record<string, string>): Promise<string> {
    const providers = parse(lite[`${name}-providers.yaml`]!) as { providers: Record<string, Record<string, unknown>> };
    for (const [p, url] of Object.entries(upstreams)) providers.providers[p]!.base_url = url;
    const pf = write(`${name}-providers.yaml`, stringify(providers));
    const mf = write(`${name}-models.yaml`, lite[`${name}-models.yaml`]!);
    await gwctlOk(['import', 'llm-gateway-lite', pf, mf], env());
    return JSON.parse(await gwctlOk(['key', 'add', `${name}-client`, '--json'], env())).key as string;
  }

  it('routing scenario 1 (default_provider): all traffic to openai while it answers, openrouter when it fails', async () => {
    const [primary, backup] = stack.fakes as [typeof stack.fake, typeof stack.fake];
    const key = await importScenario('failover', { openai: primary.origin, openrouter: backup.origin });
    const example = seedRequests('001')[0]!;
    for (let i = 0; i < 6; i++) expect((await send(example, key)).status).toBe(200);
    expect(primary.received).toHaveLength(6);
    expect(backup.received).toHaveLength(0);
    primary.setBehaviour({ status: 500 });
    expect((await send(example, key)).status).toBe(200);
    expect(backup.received.at(-1)!.json.model).toBe('openai/gpt-3.5-turbo');
    expect(backup.received.at(-1)!.headers.authorization).toBe('Bearer sk-yyy');
  });

  it('routing scenario 2 (weights 7:3): traffic shared by provider weight', async () => {
    const [a, b] = stack.fakes as [typeof stack.fake, typeof stack.fake];
    const key = await importScenario('weighted', { openai: a.origin, azure: b.origin });
    expect((await stack.registry.getModel('gpt-3.5-turbo'))!.policy).toBe('weighted');
    const example = seedRequests('001')[0]!;
    const n = 200;
    for (let i = 0; i < n; i++) expect((await send(example, key)).status).toBe(200);
    // 70% expected: 140 of 200, sd ≈ 6.5; these bounds are more than 4 sd away.
    expect(a.received.length).toBeGreaterThan(110);
    expect(a.received.length).toBeLessThan(170);
    expect(a.received.length + b.received.length).toBe(n);
    expect(b.received.at(-1)!.json.model).toBe('gpt-35-turbo');
  });
});

describe('gwctl import openbridge (seed 003)', () => {
  it('imports config.json: its security token is a gateway key, its group the model name; the page requests work', async () => {
    const config = write('config.json', openBridgeExamples().files['config.json']!.replace('https://api.openai.com', stack.fake.origin));
    const r = await gwctl(['import', 'openbridge', config], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+ key/openbridge-1');
    expect(r.stdout + r.stderr).not.toContain('sk-abcdefghijklmnopqrstuvwxyz');
    expect(r.stdout).toContain('key: sk-abcdefg… (from env:OPENBRIDGE_SECURITY_0)');
    expect(await stack.registry.getModel('fast')).toMatchObject({ alias_of: 'gpt-4o-mini' });
    expect((await stack.registry.listKeys()).map((k) => [k.name, k.models])).toEqual([['openbridge-1', ['fast']]]);

    const requests = seedRequests('003');
    expect(requests).toHaveLength(2);
    for (const example of requests) {
      const res = await send(example);
      expect(res.status, res.text).toBe(200);
      // OpenBridge answers with the group name; so does the gateway.
      expect(new Set(answeredModels(res.text))).toEqual(new Set(['fast']));
      expect(stack.fake.received.at(-1)!.json.model).toBe('gpt-4o-mini');
      expect(stack.fake.received.at(-1)!.headers.authorization).toBe('Bearer sk-abcdefghijklmnopqrstuvwxyz');
    }
    // Clients may only ask for groups, as in OpenBridge.
    expect((await send({ ...requests[0]!, body: { ...(requests[0]!.body as object), model: 'gpt-4o-mini' } })).status).toBe(403);
    expect(await gwctlOk(['import', 'openbridge', config], env())).toContain('no changes');
  });

  it('a config that is not OpenBridge\'s names the problem at its line and writes nothing', async () => {
    const bad = write('bad.json', '{\n  "providers": [\n    { "group": "fast", "name": "gpt-4o-mini", "base": "not a url", "key": "k" }\n  ],\n  "security": ["short"]\n}\n');
    const r = await gwctl(['import', 'openbridge', bad], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3:47: providers[0].base: not a URL`);
    expect(await stack.registry.revision()).toBe(0);
  });
});
