import { describe, expect, it } from 'vitest';
import { chat, seedModel, tally, useRoutingStack, type ChatResult } from './routing-helpers.js';

const stack = useRoutingStack({ env: { GW_EXPOSE_SELECTION: '1', GW_HEALTH_REFRESH_MS: '100' } });
const { registry } = stack;

async function many(n: number, concurrency = 8, k = stack.key): Promise<ChatResult[]> {
  const out: ChatResult[] = [];
  for (let i = 0; i < n; i += concurrency) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, () => chat(stack.gw.url, k)))));
  }
  expect(out.every((r) => r.status === 200)).toBe(true);
  return out;
}

describe('policies through the gateway', () => {
  it('weighted: traffic splits by weight (within statistical bounds)', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, weight: 1 }, b: { fake: stack.b, weight: 3 } }, 'weighted');
    const N = 300;
    const counts = tally(await many(N, 12));
    // B has p = 0.75: mean 225, sd = 7.5; 5 sd either side.
    expect(counts[n.b!]).toBeGreaterThanOrEqual(188);
    expect(counts[n.b!]).toBeLessThanOrEqual(262);
    expect(counts[n.a!]! + counts[n.b!]!).toBe(N);
    expect(stack.a.received.length + stack.b.received.length).toBe(N);
  });

  it('priority: everything goes to the lowest priority value; the next one serves when it fails', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 1 }, b: { fake: stack.b, priority: 0 } }, 'priority');
    expect(tally(await many(40))).toEqual({ [n.b!]: 40 });
    stack.b.setBehaviour({ status: 500 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.a, attempts: 2 });
  });

  it('round-robin: targets take turns', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a }, b: { fake: stack.b } }, 'round-robin');
    const seq: Array<string | null> = [];
    for (let i = 0; i < 6; i++) seq.push((await chat(stack.gw.url, stack.key)).provider);
    expect(new Set([seq[0], seq[1]])).toEqual(new Set([n.a, n.b]));
    for (let i = 2; i < 6; i++) expect(seq[i]).toBe(seq[i - 2]);
  });

  it("a key's policy overrides the model's", async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } }, 'priority');
    const rr = (await registry.createKey({ name: `k-rr-${Date.now()}`, policy: 'round-robin' })).raw;
    expect(tally(await many(10, 1))).toEqual({ [n.a!]: 10 });
    expect(tally(await many(10, 1, rr))).toEqual({ [n.a!]: 5, [n.b!]: 5 });
  });

  it('least-busy: new requests go where fewer are in flight', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a }, b: { fake: stack.b } }, 'least-busy');
    stack.a.setBehaviour({ headersDelayMs: 2000 });
    // A holds each request for two seconds, B answers at once: under round robin each would get
    // half; least-busy sends A one request and then avoids it while that one is in flight.
    // Each request gets up to 500 ms to come back before the next is sent, so B's answers are
    // in (and B idle again) whatever the machine's load, and only A's request stays pending.
    const pending: Array<Promise<ChatResult>> = [];
    for (let i = 0; i < 10; i++) {
      const p = chat(stack.gw.url, stack.key);
      pending.push(p);
      await Promise.race([p, new Promise((r) => setTimeout(r, 500))]);
    }
    const counts = tally(await Promise.all(pending));
    expect(counts[n.a!]).toBe(1);
    expect(counts[n.b!]).toBe(9);
  });

  it('latency: most traffic goes to the target with the lower time to first byte', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a }, b: { fake: stack.b } }, 'latency');
    stack.a.setBehaviour({ headersDelayMs: 80 });
    const counts = tally(await many(60, 1));
    // Both are measured first; then B (fast) leads except for ~5% exploration.
    expect(counts[n.b!]).toBeGreaterThanOrEqual(45);
    expect(counts[n.a!]).toBeGreaterThanOrEqual(1);
  });
});
