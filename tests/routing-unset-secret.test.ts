import { describe, expect, it } from 'vitest';
import { gwctl } from './support/cli.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

// Issue 16, item 9: a provider whose --api-key-env variable is unset on a pod answered a bare
// 503 and logged nothing. Two pods share one Redis; only pod-b has the variable.
const stack = useGatewayStack({ gateways: [], fakes: 2 });
const { registry, redisUrl } = stack;
const VAR = `GW_TEST_UNSET_KEY_${process.pid}`;
const SECRET = 'sk-unset-var-upstream-secret-0001';
const LITERAL = 'sk-literal-upstream-secret-00001';

/** Provider `envy` reads VAR; provider `lit` has a literal secret. */
async function seed(): Promise<string> {
  await registry.addProvider({ name: 'envy', base_url: stack.fakes[0]!.url, secrets: [`env:${VAR}`] });
  await registry.addProvider({ name: 'lit', base_url: stack.fakes[1]!.url, secrets: [LITERAL] });
  await registry.putModel({ name: 'routed', policy: 'priority', targets: [{ provider: 'envy', model: 'gpt-4o-mini', weight: 1, priority: 0 }, { provider: 'lit', model: 'gpt-4o-mini', weight: 1, priority: 1 }] });
  await registry.putModel({ name: 'only-envy', policy: 'priority', targets: [{ provider: 'envy', model: 'gpt-4o-mini', weight: 1, priority: 0 }] });
  return (await registry.createKey({ name: 'k' })).raw;
}

/** Both pods, started after the registry is seeded (as at a deploy). */
async function withPods(fn: (a: TestGateway, b: TestGateway) => Promise<void>): Promise<void> {
  const a = await startTestGateway({ GW_POD_NAME: 'pod-a', GW_ADMIN_PORT: '0', GW_EXPOSE_SELECTION: '1' }, { secretEnv: {} });
  const b = await startTestGateway({ GW_POD_NAME: 'pod-b', GW_ADMIN_PORT: '0', GW_EXPOSE_SELECTION: '1' }, { secretEnv: { [VAR]: SECRET } });
  try {
    await fn(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const post = (g: TestGateway, key: string, model: string, path = '/v1/chat/completions') =>
  fetch(`${g.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  });
const status = async (g: TestGateway) => (await fetch(`http://127.0.0.1:${g.gw.adminPort}/status`)).json() as Promise<any>;
const warnLines = (g: TestGateway, text: string) => g.logs.json().filter((l) => l.level === 40 && String(l.msg).includes(text));
const gwctlStatus = async () => {
  const r = await gwctl(['provider', 'status', 'envy', '--json'], { REDIS_URL: redisUrl });
  expect(r.code, r.stderr).toBe(0);
  return { view: JSON.parse(r.stdout), text: r.stdout };
};

describe('a provider secret whose environment variable is unset on a pod', () => {
  it('each pod without it says so at startup (one line naming the variable); /status and gwctl show which pods lack it', async () => {
    await seed();
    await withPods(async (a, b) => {
      await expect.poll(() => warnLines(a, 'unset on this pod').length).toBe(1);
      expect(warnLines(a, 'unset on this pod')[0]).toMatchObject({ provider: 'envy', variables: [VAR], secretNumbers: [1], msg: `provider envy: environment variable(s) ${VAR} unset on this pod; its secret(s) #1 cannot be used here` });
      expect(warnLines(b, 'unset on this pod')).toEqual([]);

      const sa = (await status(a)).providers;
      expect(sa.find((p: any) => p.name === 'envy')).toEqual({ name: 'envy', status: 'active', state: 'unusable', secretsUnset: [VAR], problems: [`secret #1: environment variable ${VAR} is unset on this pod`] });
      expect(sa.find((p: any) => p.name === 'lit')).toMatchObject({ state: 'ok', secretsUnset: [] });
      expect((await status(b)).providers.find((p: any) => p.name === 'envy')).toMatchObject({ state: 'ok', secretsUnset: [], problems: [] });

      // gwctl cannot see the pods' environment: the pods publish it.
      await expect.poll(async () => (await gwctlStatus()).view.secrets[0].unset_on_pods).toEqual(['pod-a']);
      const { view } = await gwctlStatus();
      expect(view.problems).toEqual([`secret #1: environment variable ${VAR} is unset on pod pod-a`]);
      const table = await gwctl(['provider', 'status'], { REDIS_URL: redisUrl });
      expect(table.stdout).toContain(`envy: secret #1: environment variable ${VAR} is unset on pod pod-a`);
      for (const text of [a.logs.text, b.logs.text, JSON.stringify(sa), JSON.stringify(view), table.stdout]) expect(text).not.toContain(SECRET);
    });
    // A pod that leaves takes its report back.
    expect((await gwctlStatus()).view.secrets[0].unset_on_pods).toEqual([]);
  });

  it('routing passes over it like a cooling secret: another provider serves, and the skip is logged at most once a minute', async () => {
    const key = await seed();
    await withPods(async (a, b) => {
      for (let i = 0; i < 3; i++) {
        const r = await post(a, key, 'routed');
        expect(r.status).toBe(200);
        expect([r.headers.get('x-gateway-provider'), r.headers.get('x-gateway-attempts')]).toEqual(['lit', '1']);
      }
      expect(stack.fakes[0]!.received).toHaveLength(0);
      expect(warnLines(a, 'a request passed over')).toEqual([
        expect.objectContaining({ provider: 'envy', variables: [VAR], msg: `provider envy: a request passed over secret(s) #1: environment variable(s) ${VAR} unset on this pod (logged at most once a minute)` }),
      ]);
      // The pod that has the variable uses it.
      const r = await post(b, key, 'routed');
      expect(r.headers.get('x-gateway-provider')).toBe('envy');
      expect(stack.fakes[0]!.received.map((q) => q.headers.authorization)).toEqual([`Bearer ${SECRET}`]);
    });
  });

  it('when no provider is left the client gets a clear 503 naming the provider and the variable, in its own API shape', async () => {
    const key = await seed();
    await withPods(async (a, b) => {
      const r = await post(a, key, 'only-envy');
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: unknown }).error).toEqual({
        type: 'server_error',
        code: 'provider_secret_unset',
        param: null,
        message: `No provider can serve the model \`only-envy\` on this gateway instance: the environment variable ${VAR} (provider "envy") is unset here.`,
      });
      const m = await post(a, key, 'only-envy', '/v1/messages');
      expect(m.status).toBe(503);
      expect(((await m.json()) as { error: { message: string } }).error.message).toContain(`${VAR} (provider "envy") is unset here`);
      expect(stack.fakes[0]!.received).toHaveLength(0);
      expect((await post(b, key, 'only-envy')).status).toBe(200);
    });
  });
});
