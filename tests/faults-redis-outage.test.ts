// Redis goes away under traffic and comes back: the gateway serves what it knows from its
// cache, refuses what it cannot check with a clear 503, reports not-ready, and recovers by
// itself. This file runs its own redis-server on a fixed port so it can be stopped and
// restarted (the shared test Redis must not be touched).
import { Registry } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBasic, startTestGateway, type TestGateway } from './support/gateway.js';
import { freePort, startRedis } from '../scripts/lib/local-redis.mjs';

interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

let fake: FakeProvider;
let port: number;
let redis: LocalRedis | null = null;

beforeAll(async () => {
  fake = await startFakeProvider();
  port = (await freePort());
  redis = (await startRedis({ port }));
});
afterAll(async () => {
  await Promise.all([redis?.stop(), fake?.close()]);
});

function chat(t: TestGateway, key: string): Promise<Response> {
  return fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

async function readyStatus(t: TestGateway): Promise<number> {
  return (await fetch(`${t.url}/ready`)).status;
}

async function seed(): Promise<string> {
  const registry = new Registry(new Redis(redis!.url));
  try {
    return (await seedBasic(registry, fake.url)).rawKey;
  } finally {
    await registry.redis.quit();
  }
}

describe('Redis outage', () => {
  it('serves known keys from the cache, 503s unknown keys, reports not ready, and recovers after a restart', async () => {
    const known = await seed();
    // Short TTLs so that every cached record is expired (and must be served stale) during the outage.
    const t = await startTestGateway({ REDIS_URL: redis!.url, GW_CACHE_TTL_MS: '50', GW_NEGATIVE_CACHE_TTL_MS: '50', GW_REV_POLL_MS: '100' });
    try {
      expect((await chat(t, known)).status).toBe(200);
      expect((await fetch(`${t.url}/v1/models`, { headers: { authorization: `Bearer ${known}` } })).status).toBe(200);
      expect(await readyStatus(t)).toBe(200);

      await redis!.stop();
      redis = null;
      await expect.poll(() => readyStatus(t), { timeout: 5000 }).toBe(503);

      // Traffic with the known key keeps flowing, sequentially and concurrently.
      for (let i = 0; i < 5; i++) expect((await chat(t, known)).status).toBe(200);
      const burst = await Promise.all(Array.from({ length: 20 }, () => chat(t, known)));
      expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect((await fetch(`${t.url}/v1/models`, { headers: { authorization: `Bearer ${known}` } })).status).toBe(200);
      expect(t.gw.cache.stats.stale).toBeGreaterThan(0);

      // A key the gateway never saw cannot be checked: 503 registry_unavailable, not 401.
      const unknown = await chat(t, 'sk-gw-never-seen-before-0000000000');
      expect(unknown.status).toBe(503);
      expect(await unknown.json()).toMatchObject({ error: { code: 'registry_unavailable', type: 'server_error' } });

      // The outage is logged once as a warning, not once per request.
      const warnings = t.logs.json().filter((l) => l.level === 40 && /serving cached records/.test(String(l.msg)));
      expect(warnings).toHaveLength(1);

      // Redis comes back empty on the same port: the gateway reconnects by itself.
      redis = (await startRedis({ port }));
      await expect.poll(() => readyStatus(t), { timeout: 10_000 }).toBe(200);
      const fresh = await seed();
      await expect.poll(async () => (await chat(t, fresh)).status, { timeout: 5000 }).toBe(200);
      // And it re-reads rather than trusting the old cache: the old key is gone from Redis.
      await expect.poll(async () => (await chat(t, known)).status, { timeout: 5000 }).toBe(401);
      expect(t.logs.json().some((l) => l.level === 30 && /registry reachable/.test(String(l.msg)))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('a hung Redis (connection open, no answers) is an outage after GW_REDIS_COMMAND_TIMEOUT_MS, not a hang', async () => {
    const known = await seed();
    const t = await startTestGateway({
      REDIS_URL: redis!.url,
      GW_CACHE_TTL_MS: '50',
      GW_NEGATIVE_CACHE_TTL_MS: '50',
      GW_REV_POLL_MS: '100',
      GW_REDIS_COMMAND_TIMEOUT_MS: '300',
    });
    const admin = new Redis(redis!.url);
    try {
      expect((await chat(t, known)).status).toBe(200);
      // CLIENT PAUSE keeps every connection open but answers nothing: what a partition looks like.
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
      await expect.poll(() => readyStatus(t), { timeout: 3000 }).toBe(503);
      expect((await chat(t, known)).status).toBe(200);
      const unknown = await chat(t, 'sk-gw-never-seen-before-1111111111');
      expect(unknown.status).toBe(503);
      expect(await unknown.json()).toMatchObject({ error: { code: 'registry_unavailable' } });
      await admin.call('CLIENT', 'UNPAUSE');
      await expect.poll(() => readyStatus(t), { timeout: 5000 }).toBe(200);
      expect((await chat(t, known)).status).toBe(200);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => {});
      admin.disconnect();
      await t.close();
    }
  });

  it('a gateway that boots while Redis is down starts not ready, answers 503, and becomes ready when Redis appears', async () => {
    const downPort = (await freePort());
    const t = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${downPort}`, GW_REV_POLL_MS: '100', GW_REDIS_BOOT_WAIT_MS: '200' });
    let late: LocalRedis | null = null;
    try {
      expect(await readyStatus(t)).toBe(503);
      const r = await chat(t, 'sk-gw-any-key-000000000000000000');
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ error: { code: 'registry_unavailable' } });
      late = (await startRedis({ port: downPort }));
      await expect.poll(() => readyStatus(t), { timeout: 10_000 }).toBe(200);
      const registry = new Registry(new Redis(late.url));
      const key = (await seedBasic(registry, fake.url)).rawKey;
      await registry.redis.quit();
      await expect.poll(async () => (await chat(t, key)).status, { timeout: 5000 }).toBe(200);
    } finally {
      await t.close();
      await late?.stop();
    }
  });
});
