import { startFakeProvider } from '@llmgw/fake-provider';
import { describe, expect, it } from 'vitest';
import { chat, seedModel, sleep, useRoutingStack } from './routing-helpers.js';

const stack = useRoutingStack({
  env: {
    GW_EXPOSE_SELECTION: '1',
    GW_DEBUG: '1',
    GW_COOLDOWN_THRESHOLD: '3',
    GW_COOLDOWN_BASE_MS: '2000',
    GW_RETRY_AFTER_MAX_MS: '1500',
    GW_HEALTH_REFRESH_MS: '100',
  },
});
const { registry } = stack;

/** A first (priority 0), B as the fallback (priority 1). */
async function seedAB(aSpec: Parameters<typeof seedModel>[2][string] = {}) {
  return seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0, ...aSpec }, b: { fake: stack.b, priority: 1 } });
}

describe('failover before the first byte, for each failure type', () => {
  it('connection refused → the next target serves', async () => {
    const n = await seedAB({ url: 'http://127.0.0.1:1/v1' });
    const r = await chat(stack.gw.url, stack.key);
    expect(r.status).toBe(200);
    expect(r.provider).toBe(n.b);
    expect(r.attempts).toBe(2);
    expect(stack.b.received).toHaveLength(1);
  });

  it('timeout before the response headers → the next target serves', async () => {
    const n = await seedAB({ fields: { first_byte_timeout_ms: 200 } });
    stack.a.setBehaviour({ headersDelayMs: 8000 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(r.ms).toBeLessThan(4000); // undici checks header deadlines on a ~0.5-1 s tick
    expect(stack.a.received).toHaveLength(1);
    await expect.poll(() => stack.a.received[0]!.aborted).toBe(true);
  });

  it('5xx → the next target serves', async () => {
    const n = await seedAB();
    stack.a.setBehaviour({ status: 502 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(stack.a.received).toHaveLength(1);
  });

  it('429 → the next target serves, and the rate-limited secret cools down for the Retry-After', async () => {
    const n = await seedAB();
    stack.a.setBehaviour({ status: 429, retryAfter: 3 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    // Cooling: later requests go straight to B without touching A.
    for (let i = 0; i < 5; i++) expect(await chat(stack.gw.url, stack.key)).toMatchObject({ provider: n.b, attempts: 1 });
    expect(stack.a.received).toHaveLength(1);
    const [subject, h] = [...stack.gw.gw.routing.health.subjects(n.a!)].find(([s]) => s.startsWith('s:'))!;
    expect(subject).toMatch(/^s:[0-9a-f]{12}$/);
    expect(h.reason).toBe('429');
    expect(h.until - Date.now()).toBeGreaterThan(1000);
    expect(h.until - Date.now()).toBeLessThanOrEqual(3000);
  });

  it('401 on one secret → the next secret of the same provider; the revoked secret is then skipped', async () => {
    const good = 'sk-good-secret-000000000001';
    const revoked = 'sk-revoked-secret-00000002';
    const guarded = await startFakeProvider({ requireKey: good });
    try {
      const n = await seedModel(registry, 'routed', { g: { fake: guarded, secrets: [revoked, good] } });
      const first = await chat(stack.gw.url, stack.key);
      expect(first).toMatchObject({ status: 200, provider: n.g, attempts: 2 });
      expect(guarded.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${revoked}`, `Bearer ${good}`]);
      // Round robin would alternate; the revoked secret is cooling, so every request uses the good one.
      for (let i = 0; i < 6; i++) expect(await chat(stack.gw.url, stack.key)).toMatchObject({ status: 200, attempts: 1 });
      expect(guarded.received.filter((r) => r.headers.authorization === `Bearer ${revoked}`)).toHaveLength(1);
      expect(guarded.received.filter((r) => r.headers.authorization === `Bearer ${good}`)).toHaveLength(7);
    } finally {
      await guarded.close();
    }
  });

  it('a request-caused 400 goes back as is and is never retried', async () => {
    await seedAB();
    stack.a.setBehaviour({ status: 400, errorBody: { error: { message: 'bad messages', type: 'invalid_request_error', code: 'bad', param: 'messages' } } });
    const r = await chat(stack.gw.url, stack.key);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('bad');
    expect(r.attempts).toBe(1);
    expect(stack.a.received).toHaveLength(1);
    expect(stack.b.received).toHaveLength(0);
    // …and says nothing about the provider's health.
    await chat(stack.gw.url, stack.key);
    await chat(stack.gw.url, stack.key);
    expect(stack.a.received).toHaveLength(3);
  });

  it('never retried after the first byte: the stream ends with an SSE error event', async () => {
    await seedAB();
    stack.a.setBehaviour({ chunks: 10, dropAfterChunks: 2 });
    const r = await chat(stack.gw.url, stack.key, { stream: true });
    expect(r.status).toBe(200);
    const events = r.text.split('\n\n').filter(Boolean);
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, '')).error).toMatchObject({ type: 'server_error' });
    expect(stack.a.received).toHaveLength(1);
    expect(stack.b.received).toHaveLength(0);
  });

  it('when every target fails, the last upstream error goes back within the attempt budget', async () => {
    const n = await seedModel(registry, 'routed', { x: { fake: stack.a, priority: 0 }, y: { fake: stack.b, priority: 1 }, z: { fake: stack.a, priority: 2 }, w: { fake: stack.b, priority: 3 } });
    stack.a.setBehaviour({ status: 500 });
    stack.b.setBehaviour({ status: 503 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r.status).toBe(500); // the third attempt (z, on A) is the last one
    expect(r).toMatchObject({ attempts: 3, provider: n.z });
    expect(stack.a.received.length + stack.b.received.length).toBe(3);
  });
});

describe('Retry-After', () => {
  it('a short Retry-After is waited out and retried when nothing else is healthy', async () => {
    const n = await seedModel(registry, 'routed', { solo: { fake: stack.a } });
    stack.a.enqueue({ status: 429, retryAfter: 1 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.solo, attempts: 2 });
    expect(stack.a.received).toHaveLength(2);
    expect(stack.a.received[1]!.startedAt - stack.a.received[0]!.startedAt).toBeGreaterThanOrEqual(950);
  });

  it('a long Retry-After is not waited: the 429 and its Retry-After go back to the client', async () => {
    await seedModel(registry, 'routed', { solo: { fake: stack.a } });
    stack.a.enqueue({ status: 429, retryAfter: 30 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('30');
    expect(r.ms).toBeLessThan(1000);
    expect(stack.a.received).toHaveLength(1);
  });

  it('a short Retry-After on a 503 with another healthy target: no wait, straight to it', async () => {
    const n = await seedAB();
    stack.a.setBehaviour({ status: 503, retryAfter: 1 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(r.ms).toBeLessThan(900);
  });
});

describe('selection headers, debug log, counters', () => {
  it('name the provider, upstream model and attempts, never a secret', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, upstreamModel: 'gpt-4o', secrets: ['sk-hidden-secret-123456789'] } });
    const r = await chat(stack.gw.url, stack.key);
    expect(r.headers.get('x-gateway-provider')).toBe(n.a);
    expect(r.headers.get('x-gateway-upstream-model')).toBe('gpt-4o');
    expect(r.headers.get('x-gateway-attempts')).toBe('1');
    expect([...r.headers.values()].join(' ')).not.toContain('sk-hidden');
  });

  it('GW_DEBUG logs each decision: candidates, what was skipped, the pick and why', async () => {
    const n = await seedAB({ url: 'http://127.0.0.1:1/v1' });
    await chat(stack.gw.url, stack.key);
    await sleep(50);
    const decisions = stack.gw.logs.json().filter((l) => l.msg === 'routing decision' && JSON.stringify(l).includes(n.b!));
    expect(decisions).toHaveLength(2);
    expect(decisions[0]!.routing).toMatchObject({ policy: 'priority', order: [`${n.a}/gpt-4o-mini`, `${n.b}/gpt-4o-mini`], pick: { target: `${n.a}/gpt-4o-mini`, secretNo: 1 }, attempt: 1 });
    expect(decisions[1]!.routing).toMatchObject({ pick: { target: `${n.b}/gpt-4o-mini` }, attempt: 2, why: expect.stringContaining('upstream_unreachable') });
    expect(stack.gw.logs.text).not.toContain('sk-a-secret-0001');
  });

  it('count failovers, retries and cooldowns entered', async () => {
    const before = { ...stack.gw.gw.stats };
    const good = 'sk-good-secret-000000000009';
    const guarded = await startFakeProvider({ requireKey: good });
    try {
      await seedModel(registry, 'routed', { g: { fake: guarded, secrets: ['sk-revoked-0000000000009', good], priority: 0 }, b: { fake: stack.b, priority: 1 } });
      await chat(stack.gw.url, stack.key); // 401 on secret #1 → secret #2 of the same provider: a failover that is a retry
      guarded.setBehaviour({ status: 500 });
      await chat(stack.gw.url, stack.key); // 500 → B: a failover to another target
      await expect.poll(() => stack.gw.gw.stats.cooldownsEntered - before.cooldownsEntered).toBe(1);
      expect(stack.gw.gw.stats.failovers - before.failovers).toBe(2);
      expect(stack.gw.gw.stats.retries - before.retries).toBe(1);
    } finally {
      await guarded.close();
    }
  });
});
