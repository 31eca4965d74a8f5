import { RT_KEYS, type ApiKey } from '@llmgw/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { postChat, seedKeyWithId, type TestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';

const stack = useGatewayStack({ gateways: [{}, {}] });
const { redis, registry } = stack;
let gwA: TestGateway;
let gwB: TestGateway;

beforeAll(() => {
  [gwA, gwB] = [stack.gws[0]!, stack.gws[1]!];
});

const seedKey = (key: Partial<ApiKey>) => seedKeyWithId(registry, stack.fake.url, key);

describe('rate limits, exact across pods', () => {
  it('two gateways on one Redis let exactly rpm requests through', async () => {
    const { raw } = await seedKey({ rpm: 5 });
    const statuses: number[] = [];
    const remaining: string[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < 12; i++) {
      const r = await postChat(i % 2 === 0 ? gwA : gwB, raw);
      statuses.push(r.status);
      if (r.status === 200) remaining.push(r.headers.get('x-ratelimit-remaining-requests')!);
      else refused ??= r;
      await r.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    // One window shared by both pods: the remaining count goes down across them.
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expect(refused!.headers.get('x-ratelimit-limit-requests')).toBe('5');
    expect(refused!.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // An admission counts until its one-second bucket has left the 60 s window: at most 61 s.
    expect(Number(refused!.headers.get('retry-after'))).toBeLessThanOrEqual(61);
    const body = (await postChat(gwA, raw).then((r) => r.json())) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(String(body.error.message)).toMatch(/Limit 5, Used 5/);
    expect(gwA.gw.stats.rateLimited + gwB.gw.stats.rateLimited).toBe(8);
    expect(stack.fake.received).toHaveLength(5);
  });

  it('concurrent bursts on both pods never exceed rpm', async () => {
    const { raw } = await seedKey({ rpm: 7 });
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => postChat(i % 2 ? gwA : gwB, raw).then(async (r) => (await r.arrayBuffer(), r.status))));
    expect(rs.filter((s) => s === 200)).toHaveLength(7);
  });

  it('keys without limits get no rate-limit headers and touch no limit state', async () => {
    const { raw, id } = await seedKey({});
    const r = await postChat(gwA, raw);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-limit-requests')).toBeNull();
    expect(await redis.exists(RT_KEYS.keyWindow(id), RT_KEYS.keyConcurrency(id))).toBe(0);
  });
});

describe('tokens per minute', () => {
  it('admits on an estimate and reconciles the window with the real usage', async () => {
    // "hello world": its 11 bytes (an upper bound of its tokens) + 4 per message = 15, plus max_tokens 60 → estimate 75.
    // The fake answers 2 prompt + 5 completion = 7 real tokens.
    const { raw, id } = await seedKey({ tpm: 100 });
    const a = await postChat(gwA, raw, { max_tokens: 60 });
    expect(a.status).toBe(200);
    expect(a.headers.get('x-ratelimit-limit-tokens')).toBe('100');
    expect(a.headers.get('x-ratelimit-remaining-tokens')).toBe('25');
    expect(((await a.json()) as { usage: { total_tokens: number } }).usage.total_tokens).toBe(7);
    // Without reconciliation 75 + 75 > 100 would be refused.
    const b = await postChat(gwB, raw, { max_tokens: 60 });
    expect(b.status).toBe(200);
    expect(b.headers.get('x-ratelimit-remaining-tokens')).toBe(String(100 - 7 - 75));
    await b.arrayBuffer();
    await until(async () => (await redis.hget(RT_KEYS.keyWindow(id), '_t')) === '14', 'tpm window = 14 real tokens');

    // 14 in the window + 95 estimated > 100: refused as tokens, with the tokens header set.
    const c = await postChat(gwA, raw, { max_tokens: 80 });
    expect(c.status).toBe(429);
    expect(c.headers.get('x-ratelimit-limit-tokens')).toBe('100');
    expect(c.headers.get('retry-after')).toBeTruthy();
    expect(((await c.json()) as { error: Record<string, unknown> }).error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });

    // A request larger than the whole limit can never pass: said so, without Retry-After.
    const d = await postChat(gwA, raw, { max_tokens: 200 });
    expect(d.status).toBe(429);
    expect(d.headers.get('retry-after')).toBeNull();
    expect(String(((await d.json()) as { error: { message: string } }).error.message)).toMatch(/Request too large/);
  });

  it('a failed upstream call gives its estimate back', async () => {
    const { raw, id } = await seedKey({ tpm: 1000 });
    stack.fake.enqueue({ status: 400 });
    const r = await postChat(gwA, raw, { max_tokens: 500 });
    expect(r.status).toBe(400);
    await r.arrayBuffer();
    await until(async () => (await redis.hget(RT_KEYS.keyWindow(id), '_t')) === '0', 'estimate refunded');
  });
});

describe('concurrency slots', () => {
  it('a slot is held while a stream runs and released when the client aborts', async () => {
    const { raw, id } = await seedKey({ max_concurrency: 1 });
    stack.fake.setBehaviour({ chunks: 200, chunkDelayMs: 20 });
    const ac = new AbortController();
    const slow = await postChat(gwA, raw, { stream: true }, ac.signal);
    expect(slow.status).toBe(200);
    const reader = slow.body!.getReader();
    await reader.read(); // the stream is running

    const second = await postChat(gwB, raw, { stream: true });
    expect(second.status).toBe(429);
    const err = ((await second.json()) as { error: Record<string, unknown> }).error;
    expect(err).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(String(err.message)).toMatch(/concurrent/);

    ac.abort();
    await reader.cancel().catch(() => {});
    await stack.fake.waitFor((r) => r.aborted);
    await until(async () => (await redis.zcard(RT_KEYS.keyConcurrency(id))) === 0, 'slot released');
    stack.fake.setBehaviour({ chunks: 3, chunkDelayMs: 0 });
    const third = await postChat(gwB, raw);
    expect(third.status).toBe(200);
    await third.arrayBuffer();
  });

  it('slots are released after plain requests and upstream errors', async () => {
    const { raw, id } = await seedKey({ max_concurrency: 1 });
    stack.fake.enqueue({ status: 422 });
    const failed = await postChat(gwA, raw);
    expect(failed.status).toBe(422);
    await failed.arrayBuffer();
    // The slot goes back in the pod's next write to Redis, just after the response: a client
    // that is faster than that (on another pod) would find it still held, so wait for it.
    const released = () => until(async () => (await redis.zcard(RT_KEYS.keyConcurrency(id))) === 0, 'no slot held');
    await released();
    for (let i = 0; i < 3; i++) {
      const r = await postChat(i % 2 ? gwA : gwB, raw);
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      await released();
    }
  });

  it('an expired lease of a dead pod does not block; a live one does', async () => {
    const { raw, id } = await seedKey({ max_concurrency: 1 });
    await redis.zadd(RT_KEYS.keyConcurrency(id), Date.now() - 5_000, 'deadpod.1');
    const ok = await postChat(gwA, raw);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    expect(await redis.zscore(RT_KEYS.keyConcurrency(id), 'deadpod.1')).toBeNull();

    await redis.zadd(RT_KEYS.keyConcurrency(id), Date.now() + 60_000, 'livepod.1');
    const refused = await postChat(gwB, raw);
    expect(refused.status).toBe(429);
    await refused.arrayBuffer();
  });
});
