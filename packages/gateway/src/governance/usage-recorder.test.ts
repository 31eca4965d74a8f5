import { createHash } from 'node:crypto';
import { createRedis, RT_KEYS, type UsageEvent } from '@llmgw/core';
import { ReplyError, type Command } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startLossyProxy } from '../../../../tests/support/lossy-proxy.js';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { until } from '../../../../tests/support/wait.js';
import { createStats } from '../stats.js';
import { defineGovernanceCommands } from './limit-scripts.js';
import { RedisTurn } from './redis-turn.js';
import { isTransientReply, UsageRecorder } from './usage-recorder.js';
import { XADD_ONCE_LUA } from './usage-scripts.js';
import { streamEventCount, streamEvents } from '../../../../tests/support/usage-stream.js';

const { redis, url } = useTestRedis();

function event(id: string, keyId: string, cost: number): UsageEvent {
  return {
    id, key_id: keyId, key_name: keyId, model: 'm', provider: 'p', upstream_model: 'm', endpoint: '/chat/completions', prompt_tokens: 10,
    completion_tokens: 5, cached_tokens: 1, estimated: false, cost_usd: cost, latency_ms: 1, ttfb_ms: 1, status: 200, attempts: 1,
    stream: false, aborted: false, error: '', ts: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0,
  };
}

const XADD_SHA = createHash('sha1').update(XADD_ONCE_LUA).digest('hex');

/**
 * Watch the client's stream writes (XADD_ONCE_LUA, either form: a first send is an encoded
 * command, a resend ioredis's script command): `during` runs as each is sent, its reply comes
 * `delayMs` late.
 */
function hookStreamWrites(r: ReturnType<typeof defineGovernanceCommands>, during: (call: number) => void = () => {}, delayMs = 0) {
  const calls = { n: 0 };
  const send = r.sendCommand.bind(r) as (c: Command, ...rest: unknown[]) => Promise<unknown>;
  r.sendCommand = ((c: Command, ...rest: unknown[]) => {
    const stream = (c.name === 'evalsha' && c.args[0] === XADD_SHA) || (c.name === 'eval' && c.args[0] === XADD_ONCE_LUA);
    if (!stream) return send(c, ...rest);
    during(++calls.n);
    const reply = send(c, ...rest);
    return delayMs > 0 ? new Promise((resolve, reject) => setTimeout(() => void reply.then(resolve, reject), delayMs)) : reply;
  }) as typeof r.sendCommand;
  return calls;
}

describe('usage recorder', () => {
  it('one batch: spend summed per key and period (a record past midnight gets its own), every event streamed in order', async () => {
    const r = defineGovernanceCommands(redis);
    const stats = createStats();
    const rec = new UsageRecorder(r, new RedisTurn(r), { bufferMax: 100, streamMaxLen: 1000, retryMs: 100, pod: 'p1' }, stats, pino({ level: 'silent' }));
    rec.record({ event: event('r1', 'ka', 0.1), day: '2030-01-31', month: '2030-01' });
    rec.record({ event: event('r2', 'kb', 0.2), day: '2030-01-31', month: '2030-01' });
    rec.record({ event: event('r3', 'ka', 0.3), day: '2030-02-01', month: '2030-02' });
    rec.record({ event: event('r4', 'ka', 0.4), day: '2030-01-31', month: '2030-01' });
    expect(await rec.flush()).toBe(true);
    expect(await redis.hgetall(RT_KEYS.keySpendDay('ka', '2030-01-31'))).toEqual({ cost_nusd: '500000000', requests: '2', prompt_tokens: '20', completion_tokens: '10', cached_tokens: '2' });
    expect(await redis.hgetall(RT_KEYS.keySpendMonth('ka', '2030-02'))).toMatchObject({ cost_nusd: '300000000', requests: '1' });
    expect(await redis.hgetall(RT_KEYS.keySpendDay('kb', '2030-01-31'))).toMatchObject({ cost_nusd: '200000000', requests: '1' });
    // One entry for the batch, its events in order.
    expect(await redis.xlen(RT_KEYS.usageStream)).toBe(1);
    expect((await streamEvents(redis)).map((e) => e.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(stats.usageEventsWritten).toBe(4);
    rec.close();
  });

  it('written(): resolves once the records queued before it are written, not waiting for later ones; false when closed first', async () => {
    const r = defineGovernanceCommands(redis);
    const rec = new UsageRecorder(r, new RedisTurn(r), { bufferMax: 100, streamMaxLen: 1000, retryMs: 100, pod: 'p1', flushMs: 50 }, createStats(), pino({ level: 'silent' }));
    expect(await rec.written()).toBe(true); // nothing queued
    rec.record({ event: event('w1', 'kw', 0.1), day: '2030-01-31', month: '2030-01' });
    let done = false;
    const w = rec.written().then((ok) => ((done = true), ok));
    await new Promise((res) => setTimeout(res, 10));
    expect(done).toBe(false); // still waiting for flushMs
    expect(await w).toBe(true);
    expect(await redis.hget(RT_KEYS.keySpendDay('kw', '2030-01-31'), 'requests')).toBe('1');
    rec.record({ event: event('w2', 'kw', 0.1), day: '2030-01-31', month: '2030-01' });
    const last = rec.written();
    rec.close();
    expect(await last).toBe(false);
  });

  it('flushMs: records of several turns wait and go in one call; a full batch goes at once', async () => {
    const r = defineGovernanceCommands(redis);
    const writes = hookStreamWrites(r);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const rec = new UsageRecorder(r, new RedisTurn(r), { bufferMax: 100, streamMaxLen: 1000, retryMs: 100, flushMs: 200, batchSize: 5, pod: 'p2' }, createStats(), pino({ level: 'silent' }));
    try {
      for (let i = 0; i < 3; i++) {
        rec.record({ event: event(`w${i}`, 'kw', 0.1), day: '2030-01-31', month: '2030-01' });
        await turn();
      }
      expect(await streamEventCount(redis)).toBe(0);
      await expect.poll(() => streamEventCount(redis), { interval: 10, timeout: 2000 }).toBe(3);
      expect(writes.n).toBe(1);
      // Five records (the batch size) in one turn do not wait.
      for (let i = 0; i < 5; i++) rec.record({ event: event(`b${i}`, 'kw', 0.1), day: '2030-01-31', month: '2030-01' });
      await turn();
      await turn();
      expect(await streamEventCount(redis)).toBe(8);
      expect(writes.n).toBe(2);
    } finally {
      rec.close();
    }
  });
});

describe('usage recorder: records queued while a batch is being written', () => {
  /** Stream writes answered `delayMs` late; `during` runs as each call is made (the batch then in flight). */
  function slowXadd(delayMs: number, during: (call: number) => void) {
    const r = defineGovernanceCommands(redis);
    return { r, calls: hookStreamWrites(r, during, delayMs) };
  }
  const rec = (r: ReturnType<typeof defineGovernanceCommands>, o: { flushMs: number; batchSize: number }) =>
    new UsageRecorder(r, new RedisTurn(r), { bufferMax: 100, streamMaxLen: 1000, retryMs: 100, pod: 'p5', ...o }, createStats(), pino({ level: 'silent' }));
  const record = (u: UsageRecorder, id: string) => u.record({ event: event(id, 'kq', 0.1), day: '2030-01-31', month: '2030-01' });

  it('wait for their own flush, not only for the reply: one batch per flushMs under a steady load', async () => {
    let u: UsageRecorder | null = null;
    const { r, calls } = slowXadd(50, (n) => n === 1 && record(u!, 'b'));
    u = rec(r, { flushMs: 600, batchSize: 100 });
    try {
      record(u, 'a');
      await expect.poll(() => streamEventCount(redis), { interval: 10, timeout: 3000 }).toBe(1);
      // `b` came in during the first write: it is not written with that write's reply…
      await new Promise((res) => setTimeout(res, 150));
      expect(calls.n).toBe(1);
      expect(await streamEventCount(redis)).toBe(1);
      // …but when its own wait is over.
      await expect.poll(() => streamEventCount(redis), { interval: 10, timeout: 3000 }).toBe(2);
      expect(calls.n).toBe(2);
    } finally {
      u.close();
    }
  });

  it('a full batch of them goes as soon as the write before is answered', async () => {
    let u: UsageRecorder | null = null;
    const { r, calls } = slowXadd(50, (n) => {
      if (n === 1) for (let i = 0; i < 3; i++) record(u!, `f${i}`);
    });
    u = rec(r, { flushMs: 60_000, batchSize: 3 });
    try {
      for (let i = 0; i < 3; i++) record(u, `e${i}`);
      await expect.poll(() => streamEventCount(redis), { interval: 10, timeout: 5000 }).toBe(6);
      expect(calls.n).toBe(2);
    } finally {
      u.close();
    }
  });
});

describe('usage recorder: the queued rows (kept outside the heap, moved as written ones are freed)', () => {
  it('every event reaches the stream exactly as recorded, over batches written while more are queued', async () => {
    const r = defineGovernanceCommands(redis);
    const recorded: UsageEvent[] = [];
    let u: UsageRecorder | null = null;
    const add = (i: number) => {
      // Rows of different lengths, escapes and multi-byte text, so that a row moved to the wrong place shows.
      const e = { ...event(`m${i}-${'ü'.repeat(i % 4)}"${'x'.repeat(i * 7)}`, `k${i % 3}`, 0.001 * i), error: i % 5 === 0 ? 'line\nbreak' : '', latency_ms: i };
      recorded.push(e);
      u!.record({ event: e, day: '2030-01-31', month: '2030-01' });
    };
    let next = 0;
    // Each write records a batch more while it is in flight: after it the queue still holds rows, behind freed ones.
    const calls = hookStreamWrites(r, (n) => n < 6 && [0, 1, 2, 3].forEach(() => add(next++)), 20);
    u = new UsageRecorder(r, new RedisTurn(r), { bufferMax: 100, streamMaxLen: 1000, retryMs: 100, pod: 'p7', flushMs: 60_000, batchSize: 4 }, createStats(), pino({ level: 'silent' }));
    try {
      for (let i = 0; i < 4; i++) add(next++);
      await expect.poll(() => streamEventCount(redis), { interval: 10, timeout: 5000 }).toBe(4 + 5 * 4);
      expect(await u.flush()).toBe(true);
      expect(calls.n).toBeGreaterThanOrEqual(5);
      expect(await streamEvents(redis)).toEqual(recorded);
      const spent = await redis.hget(RT_KEYS.keySpendDay('k1', '2030-01-31'), 'requests');
      expect(Number(spent)).toBe(recorded.filter((e) => e.key_id === 'k1').length);
    } finally {
      u.close();
    }
  });
});

describe('usage recorder: a write whose reply is lost', () => {
  it('is sent again and applied once: each event streamed once, each record counted once', async () => {
    const proxy = await startLossyProxy(Number(new URL(url).port));
    const through = new URL(url);
    through.port = String(proxy.port);
    // As the gateway connects: no offline queue, a command timeout.
    const client = createRedis({ url: through.toString() }, { offlineQueue: false, commandTimeoutMs: 1000 });
    client.on('error', () => {});
    const r = defineGovernanceCommands(client);
    const stats = createStats();
    const rec = new UsageRecorder(r, new RedisTurn(r), { bufferMax: 100, streamMaxLen: 1000, retryMs: 50, pod: 'p3' }, stats, pino({ level: 'silent' }));
    try {
      await until(() => client.status === 'ready', 'client ready');
      rec.record({ event: event('x0', 'kx', 0.25), day: '2030-01-31', month: '2030-01' });
      expect(await rec.flush()).toBe(true);
      // The next write reaches Redis and runs; its reply is lost with the connection.
      proxy.dropReplies = 1;
      for (let i = 1; i <= 3; i++) rec.record({ event: event(`x${i}`, 'kx', 0.25), day: '2030-01-31', month: '2030-01' });
      await until(() => proxy.dropped === 1 && stats.usageEventsBuffered === 0, 'written after the lost reply', 10_000);
      const ids = (await streamEvents(redis)).map((e) => e.id);
      expect(ids).toEqual(['x0', 'x1', 'x2', 'x3']);
      expect(await redis.hgetall(RT_KEYS.keySpendDay('kx', '2030-01-31'))).toMatchObject({ cost_nusd: '1000000000', requests: '4' });
      expect(stats.usageWriteRetries).toBeGreaterThan(0);
      expect(stats.usageDuplicatesSkipped).toBeGreaterThan(0);
    } finally {
      rec.close();
      client.disconnect();
      await proxy.close();
    }
  });
});

describe('which Redis replies keep a usage record buffered', () => {
  it('a cluster failing over or a node loading: later; a command Redis refuses for good: never', () => {
    for (const later of [
      'CLUSTERDOWN The cluster is down',
      'CLUSTERDOWN Hash slot not served',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'MOVED 3999 127.0.0.1:6381',
      'LOADING Redis is loading the dataset in memory',
      "READONLY You can't write against a read only replica.",
      'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
    ]) {
      expect(isTransientReply(new ReplyError(later)), later).toBe(true);
    }
    for (const never of ['WRONGTYPE Operation against a key holding the wrong kind of value', 'ERR Error running script (call to f_x): @user_script:1: oops']) {
      expect(isTransientReply(new ReplyError(never)), never).toBe(false);
    }
  });
});
