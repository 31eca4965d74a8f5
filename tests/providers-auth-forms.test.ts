// Provider auth as llm-gateway-lite (seed 001) describes it, `auth: {mode, header, prefix}`
// with several keys, a weight and a timeout per provider: each form set with the real gwctl,
// then served through the gateway to a fake upstream that accepts the key only in that exact
// form, and checked by `gwctl provider test` (gwctl's own upstream calls) the same way.
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gwctl } from './support/cli.js';
import { postChat } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({ env: { GW_CACHE_TTL_MS: '0', GW_NEGATIVE_CACHE_TTL_MS: '0', GW_EXPOSE_SELECTION: '1' } });
const KEYS = ['sk-auth-form-key-one-0001', 'sk-auth-form-key-two-0002'];

interface Form {
  name: string;
  /** How the fake upstream insists on receiving the key. */
  upstream: { header: string; prefix?: string };
  /** The gwctl flags that describe it. */
  flags: string[];
}

const FORMS: Form[] = [
  { name: 'bearer', upstream: { header: 'authorization', prefix: 'Bearer ' }, flags: [] },
  { name: 'bearer-spelled-out', upstream: { header: 'authorization', prefix: 'Bearer ' }, flags: ['--auth-header', 'Authorization', '--auth-prefix', 'Bearer '] },
  { name: 'api-key', upstream: { header: 'api-key' }, flags: ['--auth-header', 'api-key'] },
  { name: 'x-goog-api-key', upstream: { header: 'x-goog-api-key' }, flags: ['--auth-header', 'x-goog-api-key'] },
  { name: 'custom-prefix', upstream: { header: 'authorization', prefix: 'Token ' }, flags: ['--auth-header', 'Authorization', '--auth-prefix', 'Token '] },
  { name: 'custom-header-prefix', upstream: { header: 'x-llm-auth', prefix: 'key=' }, flags: ['--auth-header', 'X-LLM-Auth', '--auth-prefix', 'key='] },
];

const fakes = new Map<string, FakeProvider>();
beforeAll(async () => {
  for (const f of FORMS) fakes.set(f.name, await startFakeProvider({ requireKey: KEYS, requireKeyIn: f.upstream }));
});
afterAll(async () => {
  await Promise.all([...fakes.values()].map((f) => f.close()));
});

const cli = (args: string[]) => gwctl(args, { REDIS_URL: stack.redisUrl });

describe.each(FORMS)('auth form $name', (form) => {
  it('set with gwctl, served through the gateway with both keys in turn, checked by gwctl provider test', async () => {
    const fake = fakes.get(form.name)!;
    fake.reset();
    const add = await cli(['provider', 'add', form.name, '--base-url', fake.url, ...form.flags, '--api-key', KEYS[0]!, '--api-key', KEYS[1]!, '--weight', '5', '--timeout-ms', '60000']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toBe('');
    expect((await cli(['model', 'bind', 'gpt-4o-mini', '--provider', form.name])).code).toBe(0);
    const key = (await stack.registry.createKey({ name: `k-${form.name}` })).raw;

    for (let i = 0; i < 2; i++) {
      const r = await postChat(stack.gw, key);
      expect(r.status, await r.clone().text()).toBe(200);
      expect(r.headers.get('x-gateway-attempts')).toBe('1');
      await r.text();
    }
    const sent = fake.received.map((q) => q.headers[form.upstream.header]);
    expect(sent.sort()).toEqual(KEYS.map((k) => `${form.upstream.prefix ?? ''}${k}`).sort());
    // Nothing else carries a key upstream (the client's gateway key never leaves).
    for (const q of fake.received) {
      for (const h of ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'x-llm-auth'].filter((h) => h !== form.upstream.header)) expect(q.headers[h], h).toBeUndefined();
    }

    fake.reset();
    const test = await cli(['provider', 'test', form.name]);
    expect(test.code, test.stderr).toBe(0);
    expect(fake.received.map((q) => q.headers[form.upstream.header])).toEqual([`${form.upstream.prefix ?? ''}${KEYS[0]}`, `${form.upstream.prefix ?? ''}${KEYS[0]}`]);
    const show = JSON.parse((await cli(['provider', 'show', form.name, '--json'])).stdout);
    expect(show).toMatchObject({ weight: 5, timeout_ms: 60000 });
    expect(JSON.stringify(show)).not.toContain(KEYS[0]);
  });
});

it('the wrong form is refused by the upstream: the prefix is sent exactly as stored', async () => {
  const fake = fakes.get('custom-prefix')!;
  fake.reset();
  await stack.registry.addProvider({ name: 'no-prefix', base_url: fake.url, auth_type: 'header', auth_header: 'Authorization', secrets: [KEYS[0]!] });
  await stack.registry.bindModel('wrong-form', { provider: 'no-prefix', model: 'gpt-4o-mini' });
  const key = (await stack.registry.createKey({ name: 'k-wrong' })).raw;
  const r = await postChat(stack.gw, key, { model: 'wrong-form' });
  expect(r.status).toBeGreaterThanOrEqual(400);
  await r.text();
  expect(fake.received.map((q) => q.headers.authorization)).toContain(KEYS[0]);
  const test = await cli(['provider', 'test', 'no-prefix']);
  expect(test.code).toBe(1);
  expect(test.stderr).not.toContain(KEYS[0]);
});
