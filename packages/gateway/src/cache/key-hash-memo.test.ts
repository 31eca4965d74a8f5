import { hashKey, Registry } from '@llmgw/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import type { ResponseSink } from '../http/types.js';
import { authenticate } from '../pipeline/authenticate.js';
import { createContext } from '../request-context.js';
import { ENDPOINTS } from '../api/endpoints.js';
import { KeyHashMemo } from './key-hash-memo.js';
import { RegistryCache } from './registry-cache.js';

const { redis } = useTestRedis();
const log = pino({ level: 'silent' });

describe('key hash memo', () => {
  it('is bounded: past max entries the oldest goes', () => {
    const memo = new KeyHashMemo(3);
    for (const raw of ['a', 'b', 'c', 'd', 'e']) memo.remember(raw, hashKey(raw));
    expect(memo.size).toBe(3);
    expect(memo.get('a')).toBeUndefined();
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('e')).toBe(hashKey('e'));
  });

  it('authentication remembers keys the registry knows, never unknown tokens', async () => {
    const registry = new Registry(redis);
    const { raw } = await registry.createKey({ name: 'memo' });
    const cache = new RegistryCache(registry, { ttlMs: 5_000, negativeTtlMs: 1_000, revPollMs: 0 }, log);
    const ctxFor = (token: string) =>
      createContext('req', { method: 'POST', path: '/v1/chat/completions', query: '', headers: { authorization: `Bearer ${token}` }, body: Buffer.alloc(0), receivedAt: 0 }, {} as ResponseSink, ENDPOINTS.get('/chat/completions')!, log);
    for (let i = 0; i < 3; i++) {
      const ctx = ctxFor(raw);
      await authenticate(ctx, cache);
      expect(ctx.key?.name).toBe('memo');
    }
    expect(cache.keyHashes.size).toBe(1);
    expect(cache.keyHashes.get(raw)).toBe(hashKey(raw));
    for (let i = 0; i < 5; i++) await expect(authenticate(ctxFor(`gw-unknown-${i}`), cache)).rejects.toMatchObject({ status: 401 });
    expect(cache.keyHashes.size).toBe(1);
  });
});
