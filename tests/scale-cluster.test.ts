// The registry, gwctl and the gateway on a real 3-master Redis Cluster: registry keys
// (gw:provider:*, gw:providers, gw:rev, …) live in different slots on different nodes, so
// every cross-slot shortcut (multi-key Lua, pipelines) would fail here.
import {
  createRedis,
  readKeySpend,
  readUsageSeries,
  REDIS_KEYS,
  Registry,
  RegistryConflictError,
  RT_KEYS,
  writeEntity,
  type ApiKey,
  type InvalidRecord,
  type RegistryEvent,
} from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { Redis, type Cluster } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctl, gwctlOk } from './support/cli.js';
import { seedKeyWithId, startTestGateway, type TestGateway } from './support/gateway.js';
import { startRedisCluster, type LocalCluster } from './support/redis-cluster.js';
import { streamEvents } from './support/usage-stream.js';

let cluster: LocalCluster;
let fake: FakeProvider;

beforeAll(async () => {
  ensureBuilt();
  [cluster, fake] = await Promise.all([startRedisCluster(), startFakeProvider()]);
});
afterAll(async () => {
  await Promise.all([cluster?.stop(), fake?.close()]);
});
beforeEach(async () => {
  for (const port of cluster.ports) {
    const node = new Redis(port, '127.0.0.1');
    await node.flushall();
    node.disconnect();
  }
  fake.reset();
});

function clusterRegistry(invalid: InvalidRecord[] = []): Registry {
  return new Registry(createRedis({ clusterNodes: cluster.nodes }), { onInvalid: (b) => invalid.push(b) });
}

/** The port of the master that serves `key`. */
async function ownerOf(redis: Cluster, key: string): Promise<number> {
  const slot = Number(await redis.cluster('KEYSLOT', key));
  const ranges = (await redis.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
  return ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
}

describe('Registry on Redis Cluster', () => {
  it('writes, reads, lists and deletes entities whose keys live on different nodes, with events and gw:rev', async () => {
    const reg = clusterRegistry();
    const redis = reg.redis as Cluster;
    const events: RegistryEvent[] = [];
    const unsubscribe = await reg.subscribe((e) => events.push(e));

    await reg.addProvider({ name: 'p1', base_url: 'http://127.0.0.1:1/v1', secrets: ['sk-cluster-secret-0001'] });
    await reg.addProvider({ name: 'p2', base_url: 'http://127.0.0.1:2/v1' });
    await reg.bindModel('m1', { provider: 'p1' });
    const k1 = await reg.createKey({ name: 'k1' });
    const k2 = await reg.createKey({ name: 'k2' }); // createKey lists keys first: a cross-slot read
    const writes = 5;

    // The test means something only if the contract's keys really are spread over nodes.
    const owners = new Set(
      await Promise.all(
        [REDIS_KEYS.provider('p1'), REDIS_KEYS.providers, REDIS_KEYS.rev, REDIS_KEYS.events, REDIS_KEYS.key(k1.key.hash), REDIS_KEYS.keys].map((k) => ownerOf(redis, k)),
      ),
    );
    expect(owners.size).toBeGreaterThan(1);

    expect((await reg.listProviders()).map((p) => p.name)).toEqual(['p1', 'p2']);
    expect((await reg.listKeys()).map((k) => k.name).sort()).toEqual(['k1', 'k2']);
    expect((await reg.listModels()).map((m) => m.name)).toEqual(['m1']);
    expect((await reg.getKeyByRaw(k2.raw))?.id).toBe(k2.key.id);
    expect((await reg.resolveModel('m1'))?.targets).toEqual([expect.objectContaining({ provider: 'p1', model: 'm1' })]);
    expect(await reg.revision()).toBe(writes);

    await reg.updateProvider('p2', () => ({ weight: 3 }));
    await reg.deleteKey(k1.key.hash);
    expect((await reg.getProvider('p2'))?.weight).toBe(3);
    expect(await reg.getKeyByHash(k1.key.hash)).toBeNull();
    expect(await redis.sismember(REDIS_KEYS.keys, k1.key.hash)).toBe(0);
    expect(await reg.revision()).toBe(writes + 2);

    // Pub/sub is cluster-wide: the subscriber (on whatever node) hears every write. Not
    // necessarily in order: PUBLISH goes to any node and crosses the cluster bus, which is
    // why events only evict and carry the revision instead of being applied in sequence.
    await expect.poll(() => events.length).toBe(writes + 2);
    expect(events.map((e) => e.rev).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.find((e) => e.rev === 7)).toEqual({ kind: 'key', name: k1.key.hash, op: 'del', rev: 7 });

    await unsubscribe();
    await redis.quit();
  });

  it('keeps preconditions atomic per entity and skips bad records in listings', async () => {
    const invalid: InvalidRecord[] = [];
    const reg = clusterRegistry(invalid);
    const redis = reg.redis as Cluster;
    await reg.addProvider({ name: 'p', base_url: 'http://127.0.0.1:1/v1' });
    await expect(reg.addProvider({ name: 'p', base_url: 'http://127.0.0.1:1/v1' })).rejects.toMatchObject({ reason: 'exists' });
    const rev = await reg.revision();
    await expect(
      writeEntity(redis, 'provider', REDIS_KEYS.provider('p'), 'p', 'put', { kind: 'unchanged', updatedAt: 'not-what-is-there' }, { base_url: 'x' }),
    ).rejects.toBeInstanceOf(RegistryConflictError);
    expect(await reg.revision()).toBe(rev); // a refused write bumps nothing
    expect((await reg.getProvider('p'))?.base_url).toBe('http://127.0.0.1:1/v1');

    // A record that fails validation and one of the wrong type, both indexed.
    await redis.hset(REDIS_KEYS.provider('bad'), { base_url: 'not a url' });
    await redis.sadd(REDIS_KEYS.providers, 'bad');
    await redis.set(REDIS_KEYS.provider('wrongtype'), 'x');
    await redis.sadd(REDIS_KEYS.providers, 'wrongtype');
    expect((await reg.listProviders()).map((p) => p.name)).toEqual(['p']);
    expect(invalid.map((b) => b.key).sort()).toEqual([REDIS_KEYS.provider('bad'), REDIS_KEYS.provider('wrongtype')]);
    await redis.quit();
  });
});

describe('gwctl and the gateway on Redis Cluster', () => {
  it('gwctl seeds the cluster, the gateway serves from it and hears a key being disabled over pub/sub', async () => {
    const env = { REDIS_CLUSTER_NODES: cluster.nodes };
    const ping = JSON.parse(await gwctlOk(['redis', 'ping', '--json'], env)) as { mode: string; target: string };
    expect(ping.mode).toBe('cluster');
    expect(ping.target).toContain(cluster.nodes);

    await gwctlOk(['provider', 'add', 'fake', '--base-url', fake.url, '--api-key', 'sk-upstream-cluster-0001'], env);
    await gwctlOk(['model', 'bind', 'gpt-4o-mini', '--provider', 'fake'], env);
    const created = JSON.parse(await gwctlOk(['key', 'add', 'team-a', '--json'], env)) as { key: string };

    // Long TTL and no rev polling: the only way the gateway learns of the change is gw:events.
    const t = await startTestGateway({ ...env, GW_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '0' });
    try {
      const client = new OpenAI({ apiKey: created.key, baseURL: t.baseURL, maxRetries: 0 });
      const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.choices[0]?.message.content).toBeTruthy();
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
      const models = await client.models.list();
      expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-mini']);

      await gwctlOk(['key', 'disable', 'team-a'], env);
      await expect
        .poll(async () => (await fetch(`${t.url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } })).status, { timeout: 5000 })
        .toBe(403);
      const ready = await fetch(`${t.url}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await t.close();
    }
    const after = await gwctl(['redis', 'ping', '--json'], env);
    expect(JSON.parse(after.stdout)).toMatchObject({ mode: 'cluster', providers: 1, keys: 1, models: 1, revision: 4 });
  });
});

describe('a standalone URL pointed at a Cluster node', () => {
  it('gwctl refuses with a clear message and the gateway names the mistake in its log', async () => {
    const env = { REDIS_URL: `redis://127.0.0.1:${cluster.ports[0]}` };
    const r = await gwctl(['redis', 'ping'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a Redis Cluster node: .*REDIS_CLUSTER_NODES/);
    const t = await startTestGateway(env);
    try {
      await expect.poll(() => t.logs.text, { timeout: 3000 }).toMatch(/is a Redis Cluster node/);
    } finally {
      await t.close();
    }
  });
});

describe('limits, usage and cooldowns on Redis Cluster (every script on one hash tag)', () => {
  let reg: Registry;
  let gwA: TestGateway;
  let gwB: TestGateway;
  beforeAll(async () => {
    reg = clusterRegistry();
    const env = { REDIS_CLUSTER_NODES: cluster.nodes };
    [gwA, gwB] = await Promise.all([startTestGateway(env), startTestGateway(env)]);
  });
  afterAll(async () => {
    await Promise.all([gwA?.close(), gwB?.close()]);
    await reg?.redis.quit();
  });

  const seedKey = (key: Partial<ApiKey>) => seedKeyWithId(reg, fake.url, key, { input: 1_000_000, output: 1_000_000 }); // $1 per token

  function chat(gw: TestGateway, raw: string, extra: Record<string, string> = {}): Promise<Response> {
    return fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json', ...extra },
      // max_tokens 5: a budget reserves 15 prompt tokens (the prompt's bytes + 4) + 5 = $20 a request.
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello world' }], max_tokens: 5 }),
    });
  }

  function noClusterErrors(): void {
    for (const t of [gwA, gwB]) {
      expect(t.logs.text).not.toMatch(/CROSSSLOT|MOVED|same slot/);
      expect(t.logs.json().filter((l) => Number(l.level) >= 50)).toEqual([]);
    }
  }

  it('an rpm limit is exact across two gateways', async () => {
    const { raw, id } = await seedKey({ rpm: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await chat(i % 2 ? gwA : gwB, raw);
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    expect(await (reg.redis as Cluster).hget(RT_KEYS.keyWindow(id), '_r')).toBe('5');
    noClusterErrors();
  });

  it('usage events, spend counters and a daily budget', async () => {
    // $20 reserved fits $25; $7 spent leaves $18, where the next $20 does not fit.
    const { raw, id } = await seedKey({ budget_daily: 25 });
    const stream = reg.redis as Cluster;
    const first = await chat(gwA, raw);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    await expect.poll(async () => (await readKeySpend(stream, id, new Date())).today.cost_usd, { timeout: 5000 }).toBe(7);
    // This key's events only: the earlier tests' usage may still be landing (GW_USAGE_FLUSH_MS).
    const ofKey = async () => (await streamEvents(stream)).filter((e) => e.key_id === id);
    await expect.poll(async () => (await ofKey()).length, { timeout: 5000 }).toBe(1);
    expect((await ofKey())[0]).toMatchObject({ key_id: id, prompt_tokens: 2, completion_tokens: 5, status: 200 });
    const refused = await chat(gwB, raw);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'insufficient_quota' } });
    // The usage rollups, written by the stream's script in the stream's slot, and read back on the Cluster.
    const hour = { from: Date.now() - 3_600_000, to: Date.now() + 1, granularity: 'hour', by: 'key', key: id } as const;
    await expect.poll(async () => (await readUsageSeries(stream, hour)).total, { timeout: 5000 }).toMatchObject({ requests: 2, errors: 1, prompt_tokens: 2, completion_tokens: 5, cost_usd: 7 });
    expect((await readUsageSeries(stream, { ...hour, key: undefined, by: 'model' })).groups.length).toBeGreaterThan(0);
    noClusterErrors();
  });

  it('a concurrency slot is held and released', async () => {
    const { raw, id } = await seedKey({ max_concurrency: 1 });
    // The first request holds the slot for 800 ms; the other pod, asked meanwhile, must refuse.
    const [a, b] = await Promise.all([
      chat(gwA, raw, { 'x-fake-behaviour': JSON.stringify({ headersDelayMs: 800 }) }),
      new Promise((r) => setTimeout(r, 200)).then(() => chat(gwB, raw)),
    ]);
    expect([a.status, b.status]).toEqual([200, 429]);
    await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
    await expect.poll(() => (reg.redis as Cluster).zcard(RT_KEYS.keyConcurrency(id)), { timeout: 5000 }).toBe(0);
    noClusterErrors();
  });

  it('upstream failures are recorded in the shared provider health', async () => {
    const { raw } = await seedKey({});
    for (let i = 0; i < 3; i++) {
      const r = await chat(gwA, raw, { 'x-fake-behaviour': JSON.stringify({ status: 500 }) });
      expect(r.status).toBeGreaterThanOrEqual(500);
      await r.arrayBuffer();
    }
    const health = await (reg.redis as Cluster).hgetall(RT_KEYS.providerHealth('fake'));
    expect(Object.keys(health).length).toBeGreaterThan(0);
    noClusterErrors();
  });
});
