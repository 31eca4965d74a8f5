import { createRedis, RT_KEYS, type RedisClient } from '@llmgw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../../tests/support/redis-cluster.js';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { streamEvents } from '../../../../tests/support/usage-stream.js';
import { defineGovernanceCommands } from './limit-scripts.js';
import { hashTag, RedisTurn } from './redis-turn.js';

const { redis } = useTestRedis();

/** Count the pipelines a client opens (one per write of a turn, or per hash tag on Cluster). */
function countPipelines(client: RedisClient): { count: number } {
  const counter = { count: 0 };
  const pipeline = client.pipeline.bind(client);
  client.pipeline = (...args: Parameters<typeof client.pipeline>) => (counter.count++, pipeline(...args));
  return counter;
}

/** Count the writes that reach a standalone client's socket (one per turn, however many commands). */
function countSocketWrites(client: RedisClient): { count: number; commands: number } {
  const counter = { count: 0, commands: 0 };
  const stream = (client as unknown as { stream: Record<string, (...a: unknown[]) => unknown> }).stream;
  for (const m of ['_write', '_writev'] as const) {
    const orig = stream[m]!;
    stream[m] = function (this: unknown, ...a: unknown[]) {
      counter.count++;
      counter.commands += m === '_writev' ? (a[0] as unknown[]).length : 1;
      return orig.apply(this, a);
    };
  }
  return counter;
}

const spend = (id: string) => [RT_KEYS.keySpendDay(id, 'd'), RT_KEYS.keySpendMonth(id, 'm')] as const;

let seq = 0;
/** gwAccountOnce's arguments adding `cost` nano-USD to key `id`'s spend (`day` overrides its day hash), as a new record. */
const account = (id: string, cost: number, day = spend(id)[0]): [number, ...Array<string | number>] => {
  const keys = [RT_KEYS.keyApplied(id, 'pod'), RT_KEYS.keyReservations(id), RT_KEYS.keyReserved(id), day, spend(id)[1]];
  return [keys.length, ...keys, 100, 100, 60_000, 'r', seq++, 1, cost, 1, 2, 0, ''];
};
/** gwXaddOnce's arguments appending `events` (no rollup buckets: 0 hours, 0 days). */
const xadd = (...events: string[]) => [3, RT_KEYS.usageStream, RT_KEYS.usageApplied('pod'), RT_KEYS.usageStreamIndex, 1000, 60_000, 100, 100, 0, 0, 'r', ...events.flatMap((e) => [seq++, e])] as const;

describe('RedisTurn', () => {
  it('hashTag: the part of a key Redis Cluster hashes', () => {
    expect(hashTag(RT_KEYS.keyWindow('key_1'))).toBe('k:key_1');
    expect(hashTag(RT_KEYS.usageStream)).toBe('usage');
    expect(hashTag('plain')).toBe('plain');
    expect(hashTag('a{}b')).toBe('a{}b');
  });

  it('sends what every producer of one turn queued in one socket write, without a pipeline, each reply to its own caller', async () => {
    const r = defineGovernanceCommands(redis);
    const turn = new RedisTurn(r);
    await r.set('not-a-hash', 'x');
    // Scripts go out as EVALSHA once the connection has seen them: load them first, as a running pod has.
    await r.gwAccountOnce(...account('warm', 0));
    const pipelines = countPipelines(r);
    const writes = countSocketWrites(r);
    // Two producers deferred to the end of the turn, and a command sent outside any task.
    const fromTask = (id: string, cost: number) =>
      new Promise<unknown>((resolve) => turn.defer(() => resolve(turn.send(spend(id)[0], (p) => p.gwAccountOnce(...account(id, cost))))));
    const a = fromTask('a', 500_000_000);
    const b = fromTask('b', 250_000_000);
    // A command that fails (wrong type) fails alone.
    const bad = turn.send('not-a-hash', (p) => p.gwAccountOnce(...account('c', 1, 'not-a-hash')));
    const replies = [bad, a, b];
    const settled = await Promise.allSettled(replies);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(pipelines.count).toBe(0);
    expect(writes).toEqual({ count: 1, commands: 3 });
    expect(await r.hget(spend('a')[0], 'cost_nusd')).toBe('500000000');
    expect(await r.hget(spend('b')[1], 'requests')).toBe('1');
  });

  it('late tasks send after the others of the turn, whatever order they were deferred in', async () => {
    const r = defineGovernanceCommands(redis);
    const turn = new RedisTurn(r);
    const add = (id: string) => new Promise((resolve) => resolve(turn.send(RT_KEYS.usageStream, (p) => p.gwXaddOnce(...xadd(JSON.stringify({ id }))))));
    const sent: Array<Promise<unknown>> = [];
    turn.defer(() => void sent.push(add('usage')), true);
    turn.defer(() => void sent.push(add('admission')));
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(sent);
    expect((await streamEvents(r)).map((e) => e.id)).toEqual(['admission', 'usage']);
  });

  it('writeNow writes at once (shutdown, before the connection closes)', async () => {
    const r = defineGovernanceCommands(redis);
    const turn = new RedisTurn(r);
    const sent = new Promise<unknown>((resolve) => turn.defer(() => resolve(turn.send(spend('now')[0], (p) => p.gwAccountOnce(...account('now', 1))))));
    turn.writeNow();
    // Written before this read on the same connection (not at the end of the turn).
    expect(await r.hget(spend('now')[0], 'cost_nusd')).toBe('1');
    expect(await sent).toEqual([1, 0]);
  });
});

describe('RedisTurn on Redis Cluster', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('one pipeline per hash tag, so no pipeline crosses a slot', async () => {
    const client = createRedis({ clusterNodes: cluster.nodes });
    try {
      const r = defineGovernanceCommands(client);
      const turn = new RedisTurn(r);
      const pipelines = countPipelines(r);
      const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
      const replies = ids.flatMap((id) => [1, 2].map(() => turn.send(spend(id)[0], (p) => p.gwAccountOnce(...account(id, 1)))));
      replies.push(turn.send(RT_KEYS.usageStream, (p) => p.gwXaddOnce(...xadd('{"id":"x"}', '{"id":"y"}'))));
      expect(await Promise.all(replies)).toEqual([...Array<number[]>(10).fill([1, 0]), [2, 0]]);
      expect(pipelines.count).toBe(ids.length + 1);
      for (const id of ids) expect(await client.hget(spend(id)[0], 'requests')).toBe('2');
    } finally {
      await client.quit();
    }
  });
});
