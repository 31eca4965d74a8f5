// Several gateway processes ("pods") on one Redis: they share nothing else, so a registry
// change reaches all of them, and one dying takes nothing down with it. Limits and cooldowns
// across pods: tests/governance-limits.test.ts and tests/routing-cooldowns.test.ts.
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctlOk } from './support/cli.js';
import { seedBasic, spawnGateway, testRegistry, type GatewayProcess } from './support/gateway.js';
import { useTestRedis, workerRedisUrl } from './support/redis.js';

useTestRedis();
let fake: FakeProvider;
let gws: GatewayProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeProvider();
  // A long cache TTL: only gw:events (or the gw:rev poll) can tell the pods about changes.
  gws = await Promise.all(Array.from({ length: 3 }, (_, i) => spawnGateway({ GW_POD_NAME: `pod-${i}`, GW_CACHE_TTL_MS: '600000' })));
});
afterAll(async () => {
  await Promise.all(gws.map((g) => g.stop('SIGKILL')));
  await fake?.close();
});

async function chat(url: string, key: string, behaviour?: object): Promise<{ status: number; body: string }> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...(behaviour ? { 'x-fake-behaviour': JSON.stringify(behaviour) } : {}),
    },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: !!behaviour, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: r.status, body: await r.text() };
}

describe('several gateway pods on one Redis', () => {
  it('a key created and then disabled with gwctl is honoured by every pod within the event delay', async () => {
    const registry = testRegistry();
    await seedBasic(registry, fake.url);
    await registry.redis.quit();
    const env = { REDIS_URL: workerRedisUrl() };
    // Every pod first learns that the key does not exist (and caches that).
    const raw = 'sk-gw-multi-pod-test-key-00000001';
    for (const g of gws) expect((await chat(g.url, raw)).status).toBe(401);

    await gwctlOk(['key', 'add', 'shared', '--key', raw], env);
    for (const g of gws) await expect.poll(async () => (await chat(g.url, raw)).status, { timeout: 3000 }).toBe(200);

    await gwctlOk(['key', 'disable', 'shared'], env);
    for (const g of gws) await expect.poll(async () => (await chat(g.url, raw)).status, { timeout: 3000 }).toBe(403);

    await gwctlOk(['key', 'enable', 'shared'], env);
    for (const g of gws) await expect.poll(async () => (await chat(g.url, raw)).status, { timeout: 3000 }).toBe(200);
  });

  // Last: it kills a pod.
  it('SIGKILL of one pod under load does not disturb requests to the others', async () => {
    const registry = testRegistry();
    const { rawKey } = await seedBasic(registry, fake.url);
    await registry.redis.quit();
    const [victim, ...survivors] = gws;
    let stop = false;
    const results: Array<{ status: number; complete: boolean }> = [];
    // Four clients per surviving pod, streaming (5 chunks × 20 ms) back to back.
    const clients = survivors.flatMap((g) =>
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          const r = await chat(g.url, rawKey, { chunks: 5, chunkDelayMs: 20 });
          results.push({ status: r.status, complete: r.body.trimEnd().endsWith('data: [DONE]') });
        }
      }),
    );
    // The victim is busy too: its clients will see their connections die.
    const victimClients = Array.from({ length: 4 }, async () => {
      while (!stop) if ((await chat(victim!.url, rawKey, { chunks: 50, chunkDelayMs: 20 }).catch(() => null)) === null) return;
    });
    await expect.poll(() => results.length, { timeout: 10_000 }).toBeGreaterThan(20);
    const before = results.length;
    expect(await victim!.stop('SIGKILL')).toBeNull(); // killed by the signal, no exit code
    await expect.poll(() => results.length, { timeout: 10_000 }).toBeGreaterThan(before + 40);
    stop = true;
    await Promise.all([...clients, ...victimClients]);

    expect(results.filter((r) => r.status !== 200 || !r.complete)).toEqual([]);
    for (const g of survivors) expect((await fetch(`${g.url}/ready`)).status).toBe(200);
  });
});
