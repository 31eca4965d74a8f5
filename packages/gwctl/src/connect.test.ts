import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectRedis, redisTargetFrom, withFlagNames } from './connect.js';

describe('redis target and connection', () => {
  it('flags win over the environment and never mix with it', () => {
    const env = { REDIS_URL: 'redis://env:6379', REDIS_CLUSTER_NODES: 'c1:7000', REDIS_PASSWORD: 'pw' };
    expect(redisTargetFrom({ redisUrl: 'redis://flag:6379' }, env)).toMatchObject({ url: 'redis://flag:6379', clusterNodes: undefined, password: 'pw' });
    expect(redisTargetFrom({}, env)).toMatchObject({ url: 'redis://env:6379', clusterNodes: 'c1:7000' });
    expect(redisTargetFrom({}, {})).toMatchObject({ url: 'redis://127.0.0.1:6379' });
    expect(redisTargetFrom({ redisSentinels: 's1:26379', redisSentinelName: 'gw' }, {})).toMatchObject({ sentinels: 's1:26379', sentinelName: 'gw' });
  });

  it('TLS settings apply to whichever Redis the target is; each --redis-tls* flag wins over its variable', () => {
    const env = { REDIS_URL: 'redis://env:6379', REDIS_TLS: '1', REDIS_TLS_CA_FILE: '/env/ca.pem', REDIS_TLS_SERVERNAME: 'redis.env' };
    expect(redisTargetFrom({}, env).tls).toMatchObject({ enabled: true, caFile: '/env/ca.pem', servername: 'redis.env' });
    // A location flag does not drop the TLS variables (like REDIS_PASSWORD, they say how to talk to it).
    expect(redisTargetFrom({ redisUrl: 'redis://flag:6379', redisTlsCaFile: '/flag/ca.pem', redisTlsInsecureSkipVerify: true }, env)).toMatchObject({
      url: 'redis://flag:6379',
      tls: { enabled: true, caFile: '/flag/ca.pem', servername: 'redis.env', insecureSkipVerify: true },
    });
    expect(redisTargetFrom({ redisTls: true }, {}).tls).toMatchObject({ enabled: true });
    expect(() => redisTargetFrom({}, { REDIS_TLS: 'sure' })).toThrow(/^REDIS_TLS="sure": expected 1\/true\/yes or 0\/false\/no$/);
  });

  it('messages name the flag instead of the variable where a flag gave the value', () => {
    const msg = 'REDIS_TLS_KEY_FILE=/k: does not match the certificate in REDIS_TLS_CERT_FILE; REDIS_TLS is on';
    expect(withFlagNames(msg, { redisTlsKeyFile: '/k', redisTls: true })).toBe('--redis-tls-key-file=/k: does not match the certificate in REDIS_TLS_CERT_FILE; --redis-tls is on');
    expect(withFlagNames(msg, {})).toBe(msg);
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
