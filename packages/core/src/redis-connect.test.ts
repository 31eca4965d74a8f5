import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';
import { createRedis } from './redis-connect.js';

const { url } = useTestRedis();

describe('createRedis', () => {
  it('survives a socket that emits two errors (a TLS alert, then ECONNRESET): ioredis only listens once', async () => {
    const client = createRedis({ url }) as Redis;
    const seen: string[] = [];
    client.on('error', (e: Error) => seen.push(e.message));
    try {
      expect(await client.ping()).toBe('PONG');
      const stream = client.stream;
      // Without a lasting listener the second emit throws ("Unhandled 'error' event").
      expect(() => {
        stream.emit('error', new Error('tlsv13 alert certificate required'));
        stream.emit('error', new Error('read ECONNRESET'));
      }).not.toThrow();
      expect(seen).toContain('tlsv13 alert certificate required');
      // …and the client reconnects and answers again.
      stream.destroy();
      await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 5000 }).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});
