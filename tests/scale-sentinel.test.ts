// The registry, gwctl and the gateway through Redis Sentinel (REDIS_SENTINELS + name):
// clients ask the Sentinel for the master and connect to it, pub/sub included.
import { createRedis, Registry, type RegistryEvent } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctlOk } from './support/cli.js';
import { seedBasic, startTestGateway } from './support/gateway.js';
import { startRedisSentinel, type LocalSentinel } from './support/redis-cluster.js';

let sentinel: LocalSentinel;
let fake: FakeProvider;

beforeAll(async () => {
  ensureBuilt();
  [sentinel, fake] = await Promise.all([startRedisSentinel(), startFakeProvider()]);
});
afterAll(async () => {
  await Promise.all([sentinel?.stop(), fake?.close()]);
});
beforeEach(async () => {
  const master = new Redis(sentinel.masterUrl);
  await master.flushall();
  master.disconnect();
});

describe('Redis Sentinel', () => {
  it('the registry writes and subscribes through the Sentinel-discovered master', async () => {
    const reg = new Registry(createRedis({ sentinels: sentinel.sentinels, sentinelName: sentinel.name }));
    const events: RegistryEvent[] = [];
    const unsubscribe = await reg.subscribe((e) => events.push(e));
    await reg.addProvider({ name: 'p', base_url: 'http://127.0.0.1:1/v1' });
    await reg.bindModel('m', { provider: 'p' });
    await reg.createKey({ name: 'a' });
    await reg.createKey({ name: 'b' });
    expect((await reg.listKeys()).map((k) => k.name).sort()).toEqual(['a', 'b']);
    await expect.poll(() => events.map((e) => e.rev)).toEqual([1, 2, 3, 4]);

    // The data really is on the master the Sentinel names.
    const master = new Redis(sentinel.masterUrl);
    expect(await master.get('gw:rev')).toBe('4');
    master.disconnect();
    await unsubscribe();
    await reg.redis.quit();
  });

  it('gwctl reports sentinel mode and seeds; the gateway serves and hears changes over pub/sub', async () => {
    const env = { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name };
    const ping = JSON.parse(await gwctlOk(['redis', 'ping', '--json'], env)) as { mode: string; target: string };
    expect(ping.mode).toBe('sentinel');
    expect(ping.target).toContain(sentinel.name);
    // The same through flags instead of the environment.
    const viaFlags = JSON.parse(
      await gwctlOk(['--redis-sentinels', sentinel.sentinels, '--redis-sentinel-name', sentinel.name, 'redis', 'ping', '--json']),
    ) as { mode: string };
    expect(viaFlags.mode).toBe('sentinel');

    await gwctlOk(['provider', 'add', 'fake', '--base-url', fake.url, '--api-key', 'sk-upstream-sentinel-0001'], env);
    await gwctlOk(['model', 'bind', 'gpt-4o-mini', '--provider', 'fake'], env);
    const created = JSON.parse(await gwctlOk(['key', 'add', 'team-s', '--json'], env)) as { key: string };

    // REDIS_URL (set by the helper) points at the worker's standalone Redis: Sentinel must win.
    const t = await startTestGateway({ ...env, GW_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '0' });
    try {
      const call = () =>
        fetch(`${t.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
      expect((await call()).status).toBe(200);
      await gwctlOk(['key', 'disable', 'team-s'], env);
      await expect.poll(async () => (await call()).status, { timeout: 5000 }).toBe(403);
    } finally {
      await t.close();
    }
  });
});

describe('Sentinel failover', () => {
  it('the master dies, Sentinel promotes the replica, and the gateway follows without a restart', async () => {
    const ha = await startRedisSentinel('llmgw-failover', { replica: true });
    const target = { sentinels: ha.sentinels, sentinelName: ha.name };
    const reg = new Registry(createRedis(target));
    reg.redis.on('error', () => {});
    const t = await startTestGateway({ REDIS_SENTINELS: ha.sentinels, REDIS_SENTINEL_NAME: ha.name, GW_CACHE_TTL_MS: '100', GW_REV_POLL_MS: '100' });
    const chat = async (key: string) =>
      (
        await fetch(`${t.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        })
      ).status;
    try {
      const before = (await seedBasic(reg, fake.url)).rawKey;
      expect(await chat(before)).toBe(200);
      const oldMaster = await ha.currentMaster();
      // Let the replica receive the writes before the master goes.
      await expect.poll(async () => {
        const r = new Redis(ha.replicaUrl!);
        try {
          return Number(await r.get('gw:rev'));
        } finally {
          r.disconnect();
        }
      }).toBe(await reg.revision());

      await ha.killMaster();
      // Meanwhile the gateway serves what it knows.
      expect(await chat(before)).toBe(200);
      await expect.poll(() => ha.currentMaster(), { timeout: 15_000, interval: 200 }).not.toBe(oldMaster);

      // The gateway finds the new master through the Sentinel by itself.
      await expect.poll(async () => (await fetch(`${t.url}/ready`)).status, { timeout: 10_000 }).toBe(200);
      expect(await chat(before)).toBe(200); // replicated before the failover
      const after = (await reg.createKey({ name: 'after-failover' })).raw; // written to the new master
      await expect.poll(() => chat(after), { timeout: 5000 }).toBe(200);
    } finally {
      await t.close();
      reg.redis.disconnect();
      await ha.stop();
    }
  }, 45_000);
});
