import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectRedis, redisTargetFrom } from './connect.js';

describe('redis target and connection', () => {
  it('flags win over the environment and never mix with it', () => {
    const env = { REDIS_URL: 'redis://env:6379', REDIS_CLUSTER_NODES: 'c1:7000', REDIS_PASSWORD: 'pw' };
    expect(redisTargetFrom({ redisUrl: 'redis://flag:6379' }, env)).toMatchObject({ url: 'redis://flag:6379', clusterNodes: undefined, password: 'pw' });
    expect(redisTargetFrom({}, env)).toMatchObject({ url: 'redis://env:6379', clusterNodes: 'c1:7000' });
    expect(redisTargetFrom({}, {})).toMatchObject({ url: 'redis://127.0.0.1:6379' });
    expect(redisTargetFrom({ redisSentinels: 's1:26379', redisSentinelName: 'gw' }, {})).toMatchObject({ sentinels: 's1:26379', sentinelName: 'gw' });
  });

  it('an unreachable Redis is a user error naming the URL without its password', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const t0 = Date.now();
    const err = await connectRedis({ url: `redis://u:hunter2@127.0.0.1:${port}/0` }).catch((e: Error) => e);
    expect((err as Error).name).toBe('UserError');
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED`));
    expect((err as Error).message).not.toContain('hunter2');
    expect(Date.now() - t0).toBeLessThan(3500);
  });

  it('a server that never answers hits the deadline instead of hanging', async () => {
    // Accepts TCP connections and then says nothing.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    try {
      await expect(connectRedis({ url: `redis://127.0.0.1:${port}` }, { deadlineMs: 800 })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
      expect(Date.now() - t0).toBeLessThan(2500);
    } finally {
      silent.close();
    }
  });
});
