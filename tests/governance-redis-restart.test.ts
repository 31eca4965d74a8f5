// Usage accounting and limits while Redis goes away and comes back. This file runs its own
// redis-server on a fixed port so it can be stopped and restarted on the same port.
import { Registry, RT_KEYS, utcDay } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, seedBasic, startTestGateway, type TestGateway } from './support/gateway.js';
import { until as waitUntil } from './support/wait.js';
import { freePort, startRedis } from '../scripts/lib/local-redis.mjs';
import { streamEvents } from './support/usage-stream.js';

interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

let fake: FakeProvider;
let port: number;
let server: LocalRedis | null = null;

beforeAll(async () => {
  fake = await startFakeProvider();
  port = (await freePort());
  server = (await startRedis({ port }));
});
afterAll(async () => {
  await Promise.all([server?.stop(), fake?.close()]);
});

const chat = (t: TestGateway, key: string) => postChat(t, key);
const until = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) => waitUntil(check, what, timeoutMs, 25);

describe('Redis restart', () => {
  it('buffers usage while Redis is away, writes every event within the bound in order, counts the overflow; limits fail open or closed', async () => {
    const registry = new Registry(new Redis(server!.url));
    const free = await seedBasic(registry, fake.url);
    const limited = await seedBasic(registry, fake.url, { key: { rpm: 1000 } });
    const freeId = (await registry.getKeyByHash(free.keyHash))!.id;
    await registry.redis.quit();

    const open = await startTestGateway({ REDIS_URL: server!.url, GW_USAGE_BUFFER_MAX: '20' });
    const tiny = await startTestGateway({ REDIS_URL: server!.url, GW_USAGE_BUFFER_MAX: '3' });
    const closed = await startTestGateway({ REDIS_URL: server!.url, GW_LIMITS_FAIL_CLOSED: '1' });
    const all = [open, tiny, closed];
    try {
      // Warm every cache with both keys (a key never seen cannot be served while Redis is away).
      for (const t of all) for (const k of [free.rawKey, limited.rawKey]) expect((await chat(t, k)).status).toBe(200);
      await until(() => all.every((t) => t.gw.stats.usageEventsWritten === 2), 'warm-up events written');

      await server!.stop();
      server = null;

      // Limits: fail open by default, 503 with GW_LIMITS_FAIL_CLOSED; keys without limits never ask Redis.
      const failOpen = await chat(open, limited.rawKey);
      expect(failOpen.status).toBe(200);
      const failClosed = await chat(closed, limited.rawKey);
      expect(failClosed.status).toBe(503);
      expect(await failClosed.json()).toMatchObject({ error: { code: 'limits_unavailable', type: 'server_error' } });
      expect((await chat(closed, free.rawKey)).status).toBe(200);

      const ids: string[] = [failOpen.headers.get('x-request-id')!];
      for (let i = 0; i < 7; i++) {
        const r = await chat(open, free.rawKey);
        expect(r.status).toBe(200);
        ids.push(r.headers.get('x-request-id')!);
      }
      for (let i = 0; i < 5; i++) expect((await chat(tiny, free.rawKey)).status).toBe(200);

      await until(() => open.gw.stats.usageEventsBuffered === 8 && tiny.gw.stats.usageEventsBuffered === 3, 'events buffered');
      expect(open.gw.stats.usageEventsDropped).toBe(0);
      expect(tiny.gw.stats.usageEventsDropped).toBe(2);
      // The overflow is logged once per burst, not once per event (the first write fails within GW_USAGE_FLUSH_MS).
      await until(() => open.logs.json().some((l) => /buffering usage events/.test(String(l.msg))), 'the failed write logged');
      expect(tiny.logs.json().filter((l) => /usage buffer full/.test(String(l.msg)))).toHaveLength(1);
      expect(open.logs.json().filter((l) => /buffering usage events/.test(String(l.msg)))).toHaveLength(1);

      // Redis comes back empty on the same port: everything buffered is written.
      server = (await startRedis({ port }));
      await until(() => all.every((t) => t.gw.stats.usageEventsBuffered === 0), 'buffers flushed');
      expect(open.gw.stats.usageEventsWritten).toBe(2 + 8);
      expect(tiny.gw.stats.usageEventsWritten).toBe(2 + 3);
      expect(closed.gw.stats.usageEventsWritten).toBe(2 + 2);

      const check = new Redis(server.url);
      try {
        const evs = (await streamEvents(check));
        // open: 8, tiny: 3 kept of 5, closed: 2 (its free-key request, and the refused one at zero cost).
        expect(evs).toHaveLength(8 + 3 + 2);
        const fromOpen = evs.filter((e) => ids.includes(e.id)).map((e) => e.id);
        expect(fromOpen).toEqual(ids); // in order
        const [refused] = evs.filter((e) => e.status !== 200);
        expect(refused).toMatchObject({ status: 503, error: 'limits_unavailable', cost_usd: 0, prompt_tokens: 0, attempts: 0 });
        expect(evs.filter((e) => e !== refused).every((e) => e.status === 200 && e.prompt_tokens === 2 && e.completion_tokens === 5)).toBe(true);
        // The spend counters of the outage were written too.
        expect(Number(await check.hget(RT_KEYS.keySpendDay(freeId, utcDay(new Date())), 'requests'))).toBe(7 + 3 + 1);
      } finally {
        check.disconnect();
      }
    } finally {
      for (const t of all) await t.close();
    }
  });
});
