// Usage accounting is exactly-once in effect: a usage write retried after a Redis stall or a
// Redis crash (AOF on) is applied once — one stream entry, one spend increment and one rollup
// increment per request.
// This file runs its own redis-server so that it can stop (SIGSTOP), resume and kill it.
import { Registry, RT_KEYS, utcDay } from '@llmgw/core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { postChat, seedKeyWithId, startTestGateway, type TestGateway } from './support/gateway.js';
import { expectRollupsEqualStream } from './support/usage-rollups.js';
import { useOwnRedis } from './support/own-redis.js';
import { until } from './support/wait.js';
import { freePort, startRedis } from '../scripts/lib/local-redis.mjs';
import { streamEvents } from './support/usage-stream.js';

const own = useOwnRedis();

/** Fire `n` chats (a few at a time), returning the request ids of the ones that were served. */
async function load(t: TestGateway, key: string, n: number, concurrency = 8): Promise<string[]> {
  const served: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const r = await postChat(t, key);
        await r.arrayBuffer();
        if (r.status === 200) served.push(r.headers.get('x-request-id')!);
      }
    }),
  );
  return served;
}

/** Check the stream and the spend counters against the requests served: once each. */
async function expectOnce(redis: Registry['redis'], keyId: string, served: string[]) {
  const events = (await streamEvents(redis)).filter((e) => e.key_id === keyId && e.status === 200);
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size, 'no request in the stream twice').toBe(ids.length);
  expect(ids.sort()).toEqual([...served].sort());
  const day = await redis.hgetall(RT_KEYS.keySpendDay(keyId, utcDay(new Date())));
  expect(Number(day.requests)).toBe(served.length);
  // Exact: the spend counts whole nano-dollars, each request's cost rounded once.
  const nano = events.reduce((sum, e) => sum + Math.floor(e.cost_usd * 1e9 + 0.5), 0);
  expect(nano).toBeGreaterThan(0);
  expect(Number(day.cost_nusd)).toBe(nano);
  // The rollups were written by the stream's script under its mark: the retried writes did not double them either.
  await expectRollupsEqualStream(redis);
}

describe('usage accounting is applied once per request', () => {
  it('a Redis stalled past the command timeout (SIGSTOP, then SIGCONT): the retried writes are not applied twice', async () => {
    own.server = (await startRedis({ port: await freePort() }));
    const registry = new Registry(new Redis(own.server.url));
    const { raw, id } = await seedKeyWithId(registry, own.fake.url, { budget_daily: 1000 }, { input: 1, output: 2 });
    const pods = await Promise.all([0, 1].map(() => startTestGateway({ REDIS_URL: own.server!.url, GW_USAGE_FLUSH_MS: '0' })));
    own.gateways.push(...pods);
    const warm = await Promise.all(pods.map((p) => load(p, raw, 1, 1)));

    // Stall Redis for longer than the gateways' command timeout (1 s) while usage is written.
    const during = Promise.all(pods.map((p) => load(p, raw, 40, 4)));
    await until(() => pods.every((p) => p.gw.stats.usageEventsWritten >= 3), 'some usage written under load', 10_000);
    own.server.process.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 2500));
    own.server.process.kill('SIGCONT');
    const served = [...warm.flat(), ...(await during).flat()];
    await until(() => pods.every((p) => p.gw.stats.usageEventsBuffered === 0), 'buffers flushed', 20_000);
    await new Promise((r) => setTimeout(r, 300)); // late replies of the stalled commands

    await expectOnce(registry.redis, id, served);
    const stats = pods.map((p) => p.gw.stats);
    // The fault did hit writes in flight: some were sent again, and Redis had applied some of those already.
    expect(stats.reduce((n, s) => n + s.usageWriteRetries, 0)).toBeGreaterThan(0);
    expect(stats.reduce((n, s) => n + s.usageDuplicatesSkipped, 0)).toBeGreaterThan(0);
    await registry.redis.quit();
  }, 60_000);

  it('admissions that timed out in a stalled Redis give back the reservations they took when it resumes (not a lease later)', async () => {
    own.server = (await startRedis({ port: await freePort() }));
    const registry = new Registry(new Redis(own.server.url));
    const { raw, id } = await seedKeyWithId(registry, own.fake.url, { budget_daily: 1000 }, { input: 1, output: 2 });
    // Limits fail closed: a request whose admission timed out is refused, and what its admission took must not stay held.
    const pods = await Promise.all([0, 1].map(() => startTestGateway({ REDIS_URL: own.server!.url, GW_LIMITS_FAIL_CLOSED: '1' })));
    own.gateways.push(...pods);
    await Promise.all(pods.map((p) => load(p, raw, 1, 1)));
    const during = Promise.all(pods.map((p) => load(p, raw, 30, 4)));
    await until(() => pods.every((p) => p.gw.stats.usageEventsWritten >= 3), 'some usage written under load', 10_000);
    own.server.process.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 2500));
    own.server.process.kill('SIGCONT');
    await during;
    // The lease is 60 s: nothing may wait for it.
    await until(async () => (await registry.redis.zcard(RT_KEYS.keyReservations(id))) === 0, 'no reservation held after the stall', 10_000);
    expect(Number(await registry.redis.get(RT_KEYS.keyReserved(id)))).toBe(0);
    await registry.redis.quit();
  }, 60_000);

  it('Redis killed (SIGKILL) under load with AOF fsync always, restarted from its AOF: nothing twice, nothing lost', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-aof-'));
    const port = await freePort();
    const aof = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    own.server = (await startRedis({ port, args: aof }));
    try {
      const admin = new Redis(own.server.url, { maxRetriesPerRequest: null });
      admin.on('error', () => {});
      const registry = new Registry(admin);
      const { raw, id } = await seedKeyWithId(registry, own.fake.url, { budget_daily: 1000 }, { input: 1, output: 2 });
      const pods = await Promise.all([0, 1].map(() => startTestGateway({ REDIS_URL: own.server!.url, GW_USAGE_FLUSH_MS: '0' })));
      own.gateways.push(...pods);
      const warm = await Promise.all(pods.map((p) => load(p, raw, 1, 1)));

      const during = Promise.all(pods.map((p) => load(p, raw, 60, 4)));
      await until(() => pods.every((p) => p.gw.stats.usageEventsWritten >= 5), 'some usage written under load', 10_000);
      own.server.process.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      own.server = (await startRedis({ port, args: aof }));
      const served = [...warm.flat(), ...(await during).flat()];
      await until(() => pods.every((p) => p.gw.stats.usageEventsBuffered === 0), 'buffers flushed', 20_000);
      await new Promise((r) => setTimeout(r, 300));

      await expectOnce(admin, id, served);
      await admin.quit();
    } finally {
      await own.server?.stop();
      own.server = null;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
