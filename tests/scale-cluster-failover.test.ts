// A Redis Cluster master fails and its replica takes over, as ElastiCache and MemoryDB in
// cluster mode do on every maintenance window (graceful) and on a node crash (unplanned). The
// built gateway runs as its own process against a 3-master, 3-replica cluster and must come
// back by itself once the replica is promoted: limits still exact, usage still written,
// registry events still heard, /ready 200 again; meanwhile clean OpenAI-shaped errors, never a
// hang, never a crash. One cluster and one gateway go through the three failovers in turn, as
// a long-lived pod would.
import { createRedis, hashKey, REDIS_KEYS, Registry, RT_KEYS, type RegistryEvent } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/cli.js';
import { postChat, spawnGateway, type GatewayProcess } from './support/gateway.js';
import { startRedisCluster, type LocalCluster } from './support/redis-cluster.js';
import { streamEventCount } from './support/usage-stream.js';

/**
 * `graceful`: CLUSTER FAILOVER on the replica. `kill`: SIGKILL of the master; its replica takes
 * over after cluster-node-timeout (1 s here) and an election. `slow`: the same crash, but the
 * replica is held back for HOLD_MS once the cluster has noticed, so the cluster refuses every
 * command (CLUSTERDOWN) for that long, as a managed service's slower promotion does.
 */
type How = 'graceful' | 'kill' | 'slow';

/** How long `slow` keeps the cluster down: longer than ioredis's own retries of a refused pipeline (16 × 100 ms). */
const HOLD_MS = 3_000;
/** The limited key's rpm: far above what the traffic of one scenario sends, so only the final check reaches it. */
const RPM = 60;
/**
 * A request still unanswered after this long hung. Redis waits are bounded by
 * GW_REDIS_COMMAND_TIMEOUT_MS (1 s, one registry read per request while Redis is away) and
 * GW_LIMITS_TIMEOUT_MS (0.5 s); the rest is margin for a busy machine.
 */
const HANG_MS = 5_000;
/** Connection name of the test's own registry subscriptions, to find the node each lives on. */
const PROBE = 'llmgw-failover-probe';

let fake: FakeProvider;
let cluster: LocalCluster;
let reg: Registry;
let redis: Cluster;
let gw: GatewayProcess;
let adminPort: number;

beforeAll(async () => {
  ensureBuilt();
  [fake, cluster] = await Promise.all([startFakeProvider(), startRedisCluster(3, { replicas: 1, nodeTimeoutMs: 1000 })]);
  reg = new Registry(createRedis({ clusterNodes: cluster.nodes }));
  reg.redis.on('error', () => {});
  redis = reg.redis as Cluster;
  await reg.addProvider({ name: 'fake', base_url: fake.url, secrets: ['sk-upstream-failover-0001'] });
  await reg.bindModel('gpt-4o-mini', { provider: 'fake' });
  await reg.updateModel('gpt-4o-mini', () => ({ price_input: 1, price_output: 1 }));
  // Fail closed, so that a request whose limits cannot be checked is a visible 503 rather than a
  // silent admission: every 200 of the limited key was counted by the admission script. A short
  // cache TTL, so that records expire during the failover and must be served stale.
  gw = await spawnGateway({ REDIS_CLUSTER_NODES: cluster.nodes, GW_LIMITS_FAIL_CLOSED: '1', GW_CACHE_TTL_MS: '500', GW_ADMIN_PORT: '0' });
  adminPort = Number(/"adminPort":(\d+)/.exec(gw.output())?.[1]);
});
afterAll(async () => {
  await gw?.stop();
  reg?.redis.disconnect();
  await Promise.all([cluster?.stop(), fake?.close()]);
});

interface Outcome {
  key: 'limited' | 'open';
  at: number;
  status: number;
  code?: string;
  body?: unknown;
}

/** POST a chat completion; a hang past HANG_MS is recorded as status 0 instead of blocking the test. */
async function call(raw: string, key: Outcome['key']): Promise<Outcome> {
  const at = Date.now();
  try {
    const r = await postChat(gw, raw, {}, AbortSignal.timeout(HANG_MS));
    const body = (await r.json()) as { error?: { code?: string } };
    return { key, at, status: r.status, ...(r.status === 200 ? {} : { code: body.error?.code, body }) };
  } catch (e) {
    return { key, at, status: 0, code: (e as Error).name };
  }
}

/** The gateway's /status (admin listener). */
async function status(): Promise<{ registry: { revision: number }; usageEvents: { buffered: number; dropped: number } }> {
  return (await fetch(`http://127.0.0.1:${adminPort}/status`)).json() as never;
}

/**
 * Resolves once the gateway has seen the registry's last write. Until then a late gw:rev poll
 * or event may still evict cached records, and a record not cached when the failover starts
 * cannot be served (503 registry_unavailable, as documented for a key never seen).
 */
async function caughtUp(): Promise<void> {
  const rev = await reg.revision();
  await expect.poll(async () => (await status()).registry.revision, { timeout: 5000 }).toBe(rev);
}

async function ready(): Promise<number> {
  return (await fetch(`${gw.url}/ready`, { signal: AbortSignal.timeout(HANG_MS) }).catch(() => ({ status: 0 }))).status;
}

/** The first candidate for which `keyOf(candidate)` is served by the master at `port`. */
async function onMaster(port: number, candidate: (i: number) => string, keyOf: (c: string) => string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const c = candidate(i);
    if ((await cluster.masterOf(keyOf(c))) === port) return c;
  }
  throw new Error(`no candidate lands on ${port}`);
}

/**
 * The master to fail: one with a live replica; the one serving the usage stream, except for
 * `slow`, where the stream must live on a master that stays up but refuses commands
 * (CLUSTERDOWN) while the cluster is down.
 */
async function pickVictim(how: How): Promise<number> {
  const usage = await cluster.masterOf(RT_KEYS.usageStream);
  const candidates: number[] = [];
  for (const m of await cluster.masters()) if (await cluster.replicaOf(m).then(() => true, () => false)) candidates.push(m);
  const victim = how === 'slow' ? candidates.find((m) => m !== usage) : (candidates.find((m) => m === usage) ?? candidates[0]);
  if (victim === undefined) throw new Error('no master with a live replica left');
  return victim;
}

/** A registry subscription (the code every pod runs) living on the node at `port`. */
async function subscribeOn(port: number, events: RegistryEvent[]): Promise<() => Promise<void>> {
  for (let i = 0; i < 100; i++) {
    // A name of its own per attempt: a closed attempt may linger a moment in CLIENT LIST.
    const name = `${PROBE}-${i}`;
    const probe = new Registry(createRedis({ clusterNodes: cluster.nodes }, { connectionName: name }));
    probe.redis.on('error', () => {});
    const off = await probe.subscribe((e) => events.push(e));
    const close = async () => {
      await off();
      probe.redis.disconnect();
    };
    // ioredis puts a Cluster subscription on a node of its choosing: try until it is this one.
    if ((await cluster.nodeWithClient(`(subscriber):${name}`)) === port) return close;
    await close();
  }
  throw new Error(`no subscription landed on ${port}`);
}

async function scenario(how: How): Promise<void> {
  const logFrom = gw.output().length;
  const victim = await pickVictim(how);
  // The failing master holds the limited key's rate-limit window and spend counters (its hash
  // tag) and the registry records of the keys.
  const id = await onMaster(victim, (i) => `key_${how}_${i}`, (c) => RT_KEYS.keyWindow(c));
  const rawOf = (i: number) => `gw-failover-${how}-${i}-0123456789`;
  const onVictim = (from: number) => onMaster(victim, (i) => rawOf(from + i), (c) => REDIS_KEYS.key(hashKey(c)));
  const [limitedRaw, openRaw, freshRaw] = [await onVictim(0), await onVictim(1000), await onVictim(2000)];
  await reg.createKey({ name: `${how}-limited`, id, rpm: RPM, tpm: 1_000_000, max_concurrency: 50, budget_daily: 1_000 }, limitedRaw);
  const open = await reg.createKey({ name: `${how}-open` }, openRaw);
  // Created before the failover, first used after it: read from the promoted replica.
  await reg.createKey({ name: `${how}-fresh` }, freshRaw);

  const outcomes: Outcome[] = [];
  const send = async (raw: string, key: Outcome['key']) => {
    const o = await call(raw, key);
    outcomes.push(o);
    return o;
  };
  await caughtUp();
  const events: RegistryEvent[] = [];
  const unsubscribe = await subscribeOn(victim, events);
  const events0 = await streamEventCount(redis);
  try {
    // Served before the failover; this also caches the records the gateway serves through it.
    for (let i = 0; i < 3; i++) expect((await send(limitedRaw, 'limited')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await send(openRaw, 'open')).status).toBe(200);
    await expect.poll(() => streamEventCount(redis), { timeout: 5000 }).toBeGreaterThanOrEqual(events0 + 5);

    // Nothing the master acknowledged is missing on its replica: the counts below are exact.
    await cluster.replicated(victim);

    const replica = await cluster.replicaOf(victim);
    if (how === 'slow') await cluster.holdFailover(replica, true);
    await cluster.failover(victim, how === 'graceful' ? 'graceful' : 'kill');

    // Traffic through the failover, each in its own loop so that a slow answer does not thin out
    // the others: the limited key (admission script on the failing master), the open key
    // (cached records, usage written through the failover), /ready.
    let stop = false;
    const readiness: Array<{ at: number; status: number }> = [];
    const loop = async (step: () => Promise<unknown>) => {
      while (!stop) {
        const pause = new Promise((r) => setTimeout(r, 50));
        await step();
        await pause;
      }
    };
    const traffic = Promise.all([
      loop(() => send(limitedRaw, 'limited')),
      loop(() => send(openRaw, 'open')),
      loop(async () => readiness.push({ at: Date.now(), status: await ready() })),
    ]);
    try {
      if (how === 'slow') {
        await cluster.down();
        // A key the gateway never read cannot be checked while the cluster is down.
        const unknown = await call(freshRaw, 'open');
        expect(unknown.status).toBe(503);
        expect(unknown.code).toBe('registry_unavailable');
        await new Promise((r) => setTimeout(r, HOLD_MS));
        await cluster.holdFailover(replica, false);
      }
      await cluster.promoted(replica);
      const promotedAt = Date.now();
      // Back by itself: the limited key admitted by the script on the promoted replica, /ready 200.
      const deadline = promotedAt + 10_000;
      while (!outcomes.some((o) => o.key === 'limited' && o.status === 200 && o.at > promotedAt) || readiness.at(-1)?.status !== 200) {
        if (Date.now() > deadline) throw new Error(`not back 10 s after the promotion: ${JSON.stringify({ outcomes: outcomes.slice(-6), readiness: readiness.slice(-3) })}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      stop = true;
      await traffic;
    }

    // Meanwhile: 503s that say why, in OpenAI's shape; never a hang (status 0), never a 5xx of another kind.
    for (const o of outcomes.filter((x) => x.status !== 200)) {
      expect(o.status, JSON.stringify(o)).toBe(503);
      expect(o.body).toMatchObject({ error: { type: 'server_error', message: expect.any(String) } });
      expect(['limits_unavailable', 'registry_unavailable']).toContain(o.code);
    }
    expect(outcomes.filter((o) => o.key === 'open' && o.status !== 200), 'a cached key without limits is served throughout').toEqual([]);
    if (how === 'slow') {
      // While the cluster refused everything: not ready, and the limited key refused (fail closed).
      expect(readiness.some((r) => r.status === 503)).toBe(true);
      expect(outcomes.some((o) => o.key === 'limited' && o.code === 'limits_unavailable')).toBe(true);
    }

    // A key never used before the failover is read from the promoted replica.
    expect((await call(freshRaw, 'open')).status).toBe(200);

    // The subscription that lived on the failing master moved to a live node by itself.
    await reg.updateKey(open.key.hash, () => ({ metadata: { after: how } }));
    const rev = await reg.revision();
    await expect.poll(() => events.some((e) => e.rev === rev), { timeout: 5000 }).toBe(true);
  } finally {
    await unsubscribe();
  }

  // The rpm limit survived: the window on the promoted replica holds what the old master
  // counted, so the key gets RPM requests in all, never more (a 503 may also have been counted,
  // by a script that ran after the gateway stopped waiting for it).
  let admitted = outcomes.filter((o) => o.key === 'limited' && o.status === 200).length;
  const unsure = outcomes.filter((o) => o.key === 'limited' && o.status === 503).length;
  // A refusal is final once it repeats after the gateway's lease of the key has ended and what it
  // did not spend is back (a give-back that failed during the failover is retried a second later).
  let refused: Outcome | null = null;
  let retried = false;
  for (let i = 0; i <= RPM + 1 && !refused; i++) {
    const o = await send(limitedRaw, 'limited');
    if (o.status === 200) {
      admitted++;
      retried = false;
    } else if (!retried) {
      retried = true;
      await new Promise((r) => setTimeout(r, 2500));
    } else refused = o;
  }
  expect(refused?.status).toBe(429);
  expect(refused?.code).toBe('rate_limit_exceeded');
  expect(admitted).toBeLessThanOrEqual(RPM);
  expect(admitted).toBeGreaterThanOrEqual(RPM - unsure);
  expect(Number(await redis.hget(RT_KEYS.keyWindow(id), '_r'))).toBe(RPM);

  // The usage of every request served (buffered through the failover) reaches the stream.
  const served = outcomes.filter((o) => o.status === 200).length + 1; // + the fresh key's
  await expect.poll(() => streamEventCount(redis), { timeout: 10_000 }).toBeGreaterThanOrEqual(events0 + served);

  expect(await ready()).toBe(200);
  // The last refusals (in the stream too) may still wait their flush interval.
  await expect.poll(async () => (await status()).usageEvents, { timeout: 5000 }).toEqual({ buffered: 0, dropped: 0 });
  expect(gw.child.exitCode, gw.output().slice(-2000)).toBeNull();
  expect(gw.child.signalCode).toBeNull();
  // No error logged (a usage record dropped as refused by Redis would be one), nothing uncaught.
  expect(gw.output().slice(logFrom)).not.toMatch(/"level":[56]0|uncaught|unhandled/i);
}

describe('Redis Cluster failover', () => {
  it('graceful (CLUSTER FAILOVER on the replica, as in a maintenance window): the gateway follows the promoted replica', () => scenario('graceful'), 40_000);
  it('a crash (SIGKILL of the master): the replica takes over after cluster-node-timeout and the gateway follows it', () => scenario('kill'), 40_000);
  it('a crash with a slow promotion: the cluster refuses every command for seconds; usage waits in memory, nothing is lost', () => scenario('slow'), 40_000);
});
