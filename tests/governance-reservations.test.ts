// Budgets and tpm limits shared by one key over three pods under concurrent load: each request
// reserves its estimated cost and tokens at admission (atomically, against what is spent and
// what requests in flight reserved), and the real usage replaces the reservation afterwards.
// Without reservations a $0.10-like budget ended 9× over and tpm 14% over.
import { readKeySpend, RT_KEYS } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { chatLoad, postChat, seedKeyWithId, spawnGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';

const stack = useGatewayStack({ gateways: [{}, {}, {}] });
const { redis, registry } = stack;

const burst = (key: string, n: number, concurrency: number, body: Record<string, unknown>) => chatLoad(stack.gws, key, n, concurrency, body);

const spentToday = async (id: string) => (await readKeySpend(redis, id, new Date())).today.cost_usd;

describe('budget reservations across pods', () => {
  it('a daily budget shared by three pods under concurrent load is never exceeded', async () => {
    // $1 per token; each request spends 2 + 5 = $7 and reserves 15 + 5 = $20 (max_tokens 5).
    const { raw, id } = await seedKeyWithId(registry, stack.fake.url, { budget_daily: 100 }, { input: 1_000_000, output: 1_000_000 });
    stack.fake.setBehaviour({ headersDelayMs: 30 }); // keep requests in flight together
    const { statuses } = await burst(raw, 60, 4, { max_tokens: 5 });
    await until(async () => (await redis.zcard(RT_KEYS.keyReservations(id))) === 0, 'every reservation replaced by its spend');
    const served = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const spent = await spentToday(id);
    expect(spent).toBe(7 * served);
    // Every reservation covered its request, so the bound is the budget itself.
    expect(spent).toBeLessThanOrEqual(100);
    expect(stack.fake.received.length).toBe(served);
    // Some were refused only for what requests in flight held: once they are done the rest is
    // spent, up to the last request whose reservation fits ($100 - $20 + $7).
    const settled = () => until(async () => (await redis.zcard(RT_KEYS.keyReservations(id))) === 0, 'no reservation held');
    let more = 0;
    while ((await settled(), await postChat(stack.gw, raw, { max_tokens: 5 })).status === 200) more++;
    await until(async () => (await spentToday(id)) === 7 * (served + more), 'spend written');
    expect(7 * (served + more)).toBeGreaterThan(100 - 20);
    expect(7 * (served + more)).toBeLessThanOrEqual(100);
  });

  it('a tpm limit without max_tokens: the model default output reservation keeps the window under the limit', async () => {
    const { raw, id } = await seedKeyWithId(registry, stack.fake.url, { tpm: 1000 });
    await registry.updateModel('gpt-4o-mini', () => ({ reserve_output_tokens: 50 }));
    // The fake writes 40 completion tokens: each request really uses 2 + 40, and reserves 15 + 50.
    stack.fake.setBehaviour({ completionTokens: 40, headersDelayMs: 30 });
    const { statuses, tokens } = await burst(raw, 90, 4, {});
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses).toContain(429);
    expect(tokens.every((t) => t === 42)).toBe(true);
    const used = tokens.reduce((a, b) => a + b, 0);
    // All within one window: what was admitted never exceeds the limit.
    expect(used).toBeLessThanOrEqual(1000);
    await until(async () => Number(await redis.hget(RT_KEYS.keyWindow(id), '_t')) === used, 'the window holds the real tokens');
  });

  it("a pod killed with requests in flight: its reservations free when their lease ends", async () => {
    const { raw, id } = await seedKeyWithId(registry, stack.fake.url, { budget_daily: 30 }, { input: 1_000_000, output: 1_000_000 });
    const pod = await spawnGateway({ GW_CONCURRENCY_LEASE_MS: '1500' });
    try {
      stack.fake.setBehaviour({ hang: true });
      const inFlight = postChat(pod, raw, { max_tokens: 5 }).catch(() => null);
      await until(async () => (await redis.zcard(RT_KEYS.keyReservations(id))) === 1, 'the reservation is held');
      // What gwctl key show reads: $20 held (15 prompt + 5 max_tokens at $1 a token).
      expect((await readKeySpend(redis, id, new Date())).reservedUsd).toBe(20);
      // $20 reserved of $30: another $20 does not fit while it is held.
      stack.fake.setBehaviour({ hang: false });
      expect((await postChat(stack.gw, raw, { max_tokens: 5 })).status).toBe(429);
      await pod.stop('SIGKILL');
      await inFlight;
      // No pod renews it any more: after its lease another pod may spend the budget again.
      await until(async () => (await postChat(stack.gw, raw, { max_tokens: 5 })).status === 200, 'the dead pod\'s reservation expired', 10_000);
      await until(async () => (await redis.zcard(RT_KEYS.keyReservations(id))) === 0, 'released with its spend');
    } finally {
      await pod.stop('SIGKILL');
    }
  });
});
