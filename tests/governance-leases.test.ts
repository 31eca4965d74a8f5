// Per-pod leases of limit and budget capacity (GW_LIMIT_LEASES, on by default): three pods
// serve one busy key, each admitting most requests from slices it took along with a batch.
// What must hold: no limit or budget is passed (the slices are taken atomically against what
// every pod holds), and nothing leaks — once the leases end, the window counts exactly the
// requests and tokens served, no concurrency slot or reservation is left, and the key can be
// used up to its limit exactly.
import { readKeySpend, RT_KEYS } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { chatLoad, postChat, seedKeyWithId } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';

const stack = useGatewayStack({ gateways: [{}, {}, {}] });
const { redis, registry } = stack;

/** `n` chats spread over the pods, `workers` at a time on each: the statuses and the real tokens of the served ones. */
async function load(key: string, n: number, workers: number, body: Record<string, unknown> = {}): Promise<{ statuses: number[]; tokens: number }> {
  const { statuses, tokens } = await chatLoad(stack.gws, key, n, workers, body);
  return { statuses, tokens: tokens.reduce((a, b) => a + b, 0) };
}

const leaseAdmissions = () => stack.gws.reduce((n, t) => n + t.gw.stats.leaseAdmissions, 0);
const count = (xs: number[], s: number) => xs.filter((x) => x === s).length;
/** A lease admits for at most one window bucket (1 s): after this every lease of the load has ended. */
const leasesEnd = () => new Promise((r) => setTimeout(r, 1200));

describe('per-pod leases', () => {
  it('rpm and tpm over three pods: never more than the limit, and after the leases exactly what was served is counted', async () => {
    const { raw, id } = await seedKeyWithId(registry, stack.fake.url, { rpm: 300, tpm: 1_000_000 });
    const before = leaseAdmissions();
    const { statuses, tokens } = await load(raw, 450, 6);
    const served = count(statuses, 200);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(served).toBeLessThanOrEqual(300);
    expect(leaseAdmissions() - before).toBeGreaterThan(0);
    // What the leases did not spend went back: the window holds the requests and real tokens served.
    await until(async () => {
      const [r, t] = await redis.hmget(RT_KEYS.keyWindow(id), '_r', '_t');
      return Number(r) === served && Number(t) === tokens;
    }, 'the window counts what was served', 5000);
    // So the key can be used up to its limit, exactly (a 429 is final only once no pod holds a lease).
    let more = 0;
    await untilRefusedTwice(async () => {
      const ok = (await postChat(stack.gws[more % 3]!, raw)).status === 200;
      if (ok) more++;
      return ok;
    });
    expect(served + more).toBe(300);
  });

  it('max_concurrency over three pods: never more in flight upstream than the limit, and no slot left behind', async () => {
    const { raw, id } = await seedKeyWithId(registry, stack.fake.url, { max_concurrency: 12 });
    const before = leaseAdmissions();
    stack.fake.setBehaviour({ headersDelayMs: 5 });
    await load(raw, 300, 3);
    expect(leaseAdmissions() - before).toBeGreaterThan(0);
    // At once, while the pods still hold the leases of that load (for the rest of their second):
    // requests that never end, more at once than the limit, on every pod.
    stack.fake.reset();
    stack.fake.setBehaviour({ hang: true });
    const abort = new AbortController();
    const hung = stack.gws.flatMap((t) => Array.from({ length: 10 }, () => postChat(t, raw, {}, abort.signal).then((r) => r.status, () => 0)));
    try {
      await until(async () => stack.fake.received.length + count(await settledSoFar(hung), 429) === 30, 'each request refused or upstream', 5000);
      expect(stack.fake.received.length).toBeLessThanOrEqual(12);
      // Once the leases end, the free slots they held are back: the key fills up to its limit, exactly.
      await leasesEnd();
      let i = 0;
      await untilRefusedTwice(async () => {
        const n = stack.fake.received.length;
        const extra = postChat(stack.gws[i++ % 3]!, raw, {}, abort.signal).then((r) => r.status, () => 0);
        const outcome = await Promise.race([extra, until(() => stack.fake.received.length > n, 'upstream', 3000).then(() => 'upstream' as const)]);
        if (outcome === 'upstream') hung.push(extra);
        else expect(outcome).toBe(429);
        return outcome === 'upstream';
      });
      expect(stack.fake.received.length).toBe(12);
    } finally {
      abort.abort();
      await Promise.all(hung);
    }
    await until(async () => (await redis.zcard(RT_KEYS.keyConcurrency(id))) === 0, 'aborted requests give their slots back', 5000);
  });

  it('a daily budget over three pods: never passed, every reservation freed, the spend is the sum of what was served', async () => {
    // $0.001 a token: each request spends 2 + 5 tokens = $0.007 and reserves 15 + 5 = $0.02 (max_tokens 5).
    const { raw, id } = await seedKeyWithId(registry, stack.fake.url, { budget_daily: 2 }, { input: 1000, output: 1000 });
    const before = leaseAdmissions();
    const { statuses } = await load(raw, 600, 6, { max_tokens: 5 });
    const served = count(statuses, 200);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(leaseAdmissions() - before).toBeGreaterThan(0);
    await until(async () => (await redis.zcard(RT_KEYS.keyReservations(id))) === 0, 'every reservation freed', 5000);
    const spend = await readKeySpend(redis, id, new Date());
    expect(spend.reservedUsd).toBe(0);
    const spent = (await readKeySpend(redis, id, new Date())).today.cost_usd;
    expect(spent).toBeCloseTo(0.007 * served, 9);
    expect(spent).toBeLessThanOrEqual(2);
    // Nothing is held any more: the rest of the budget can be spent, up to the last request that fits.
    await leasesEnd();
    let more = 0;
    await untilRefusedTwice(async () => {
      const ok = (await postChat(stack.gws[more % 3]!, raw, { max_tokens: 5 })).status === 200;
      if (ok) more++;
      await until(async () => (await redis.zcard(RT_KEYS.keyReservations(id))) === 0, 'spend written', 5000);
      return ok;
    });
    expect(0.007 * (served + more)).toBeGreaterThan(2 - 0.02);
    expect(0.007 * (served + more)).toBeLessThanOrEqual(2);
  });
});

/**
 * Send one request at a time (`send` resolves whether it was served) until one is refused,
 * then once more after the leases end: a refusal can be early while another pod still holds a
 * slice it has not spent, so only a refusal with no lease anywhere says the limit is reached.
 */
async function untilRefusedTwice(send: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await send()) continue;
    await leasesEnd();
    if (!(await send())) return;
  }
  throw new Error('never refused');
}

/** The statuses of the promises that have settled so far (0 for the others). */
async function settledSoFar(ps: Array<Promise<number>>): Promise<number[]> {
  return Promise.all(ps.map((p) => Promise.race([p, Promise.resolve(0)])));
}
