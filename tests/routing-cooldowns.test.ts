import { maskSecret, PROVIDER_SUBJECT, RT_KEYS, type ProviderStatusView } from '@llmgw/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { providerReset } from '../packages/gwctl/src/commands/provider/reset.js';
import { providerStatus } from '../packages/gwctl/src/commands/provider/status.js';
import { createRegistry, type Context } from '../packages/gwctl/src/context.js';
import { memoryOutput } from '../packages/gwctl/src/output.js';
import { createPrompt } from '../packages/gwctl/src/prompt.js';
import { chat, seedModel, sleep, useRoutingStack, type ChatResult, type ProviderSpec } from './routing-helpers.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { rawServer, type RawServer } from './support/h1-servers.js';

const BASE_MS = 1500;
const env = { GW_COOLDOWN_THRESHOLD: '2', GW_COOLDOWN_BASE_MS: String(BASE_MS), GW_HEALTH_REFRESH_MS: '100', GW_PROBE_LEASE_MS: '3000' };
const stack = useRoutingStack({ gateways: [{ ...env, GW_EXPOSE_SELECTION: '1' }, env] });
const { redis, redisUrl, registry } = stack;
/** Two gateways sharing one Redis, as two pods would. */
let g1: TestGateway;
let g2: TestGateway;

beforeAll(() => {
  [g1, g2] = [stack.gws[0]!, stack.gws[1]!];
});

/** A first (priority 0), B as the fallback. */
const seedAB = () => seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } });

/** Make A fail twice through g1, so that it cools down (threshold 2). */
async function coolDownA(): Promise<number> {
  stack.a.setBehaviour({ status: 500 });
  const before = g1.gw.stats.cooldownsEntered;
  for (let i = 0; i < 2; i++) expect((await chat(g1.url, stack.key)).status).toBe(200);
  await expect.poll(() => g1.gw.stats.cooldownsEntered).toBe(before + 1);
  return stack.a.received.length;
}

const providerUntil = async (name: string) => Number(await redis.hget(RT_KEYS.providerHealth(name), `${PROVIDER_SUBJECT}.u`));

function gwctl(): { ctx: Context; out: ReturnType<typeof memoryOutput> } {
  const out = memoryOutput();
  const ctx: Context = { registry: createRegistry(redis, out), redis, out, prompt: createPrompt({ interactive: false }), target: { url: redisUrl }, env: {}, now: () => new Date(), readSecret: async () => '', readStdin: async () => '' };
  return { ctx, out };
}

describe('cooldowns shared across gateway instances', () => {
  it('a cooldown set by one instance is honoured by another sharing the same Redis', async () => {
    const n = await seedAB();
    await chat(g2.url, stack.key); // g2 has routed to A before: its mirror holds A as healthy
    expect(stack.a.received).toHaveLength(1);
    const g2Entered = g2.gw.stats.cooldownsEntered;

    const seenByA = await coolDownA();
    expect(await providerUntil(n.a!)).toBeGreaterThan(Date.now());
    await expect.poll(() => g2.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind, { timeout: 1000 }).toBe('cooling');
    for (let i = 0; i < 4; i++) {
      const r = await chat(g2.url, stack.key);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-gateway-provider')).toBeNull(); // GW_EXPOSE_SELECTION is off on g2
    }
    expect(stack.a.received).toHaveLength(seenByA);
    expect(stack.b.received.length).toBeGreaterThanOrEqual(6);
    expect(g2.gw.stats.cooldownsEntered).toBe(g2Entered); // g2 decided nothing, it followed
  });

  it('a new instance reads the shared state before its first request', async () => {
    const n = await seedAB();
    const seenByA = await coolDownA();
    const g3 = await startTestGateway({ GW_HEALTH_REFRESH_MS: '60000' });
    try {
      expect((await chat(g3.url, stack.key)).status).toBe(200);
      expect(stack.a.received).toHaveLength(seenByA);
      expect(g3.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('cooling');
    } finally {
      await g3.close();
    }
  });

  it('after the cooldown exactly one probe goes through; its success brings the target back everywhere', async () => {
    const n = await seedAB();
    const seenByA = await coolDownA();
    stack.a.setBehaviour({ status: 200, headersDelayMs: 1000 }); // recovered, and slow enough for the probe to be out a while
    await sleep(Math.max(0, (await providerUntil(n.a!)) - Date.now()) + 150);
    await expect.poll(() => g1.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('half-open');

    const burst = await Promise.all([g1, g2, g1, g2, g1, g2].map((g) => chat(g.url, stack.key)));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(stack.a.received.length - seenByA).toBe(1);

    // The probe's success cleared the shared state; both instances route to A again.
    await expect.poll(async () => redis.hexists(RT_KEYS.providerHealth(n.a!), `${PROVIDER_SUBJECT}.l`)).toBe(0);
    stack.a.setBehaviour({ headersDelayMs: 0 });
    for (const g of [g1, g2]) await expect.poll(() => g.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('ok');
    await chat(g1.url, stack.key);
    await chat(g2.url, stack.key);
    expect(stack.a.received.length - seenByA).toBe(3);
  });

  it('a failed probe cools the target down again, for twice as long', async () => {
    const n = await seedAB();
    await coolDownA();
    await sleep(Math.max(0, (await providerUntil(n.a!)) - Date.now()) + 50);
    const t0 = Date.now();
    const r = await chat(g1.url, stack.key); // the probe: A still answers 500
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    const h = await redis.hgetall(RT_KEYS.providerHealth(n.a!));
    expect(Number(h['p.l'])).toBe(2);
    expect(Number(h['p.u']) - t0).toBeGreaterThanOrEqual(2 * BASE_MS - 50);
    expect(Number(h['p.u']) - t0).toBeLessThanOrEqual(2 * BASE_MS + 1000);
  });

  it('when every target is cooling down, the one that recovers first is tried rather than failing', async () => {
    const n = await seedAB();
    stack.a.setBehaviour({ status: 500 });
    stack.b.setBehaviour({ status: 500 });
    for (let i = 0; i < 2; i++) await chat(g1.url, stack.key); // A and B fail twice each: both cool down, A first
    await expect.poll(() => g1.gw.routing.health.state(n.b!, PROVIDER_SUBJECT).kind).toBe('cooling');
    expect(g1.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('cooling');
    stack.a.setBehaviour({ status: 200 });
    stack.b.setBehaviour({ status: 200 });
    const [aSeen, bSeen] = [stack.a.received.length, stack.b.received.length];
    const r = await chat(g1.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.a, attempts: 1 });
    expect([stack.a.received.length - aSeen, stack.b.received.length - bSeen]).toEqual([1, 0]);
  });
});

describe('failures after the first byte count towards the provider cooldown', () => {
  /** The SSE events of a stream, parsed. */
  const events = (text: string): any[] =>
    text
      .split('\n\n')
      .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice(6)));

  /** A streamed chat through g1 that A answers 200 and then fails: the client sees content, then the error event; no failover. */
  async function brokenStream(n: Record<string, string>, code: string): Promise<ChatResult> {
    const r = await chat(g1.url, stack.key, { stream: true });
    expect(r).toMatchObject({ status: 200, provider: n.a, attempts: 1 });
    const ev = events(r.text);
    expect(ev[0].choices).toBeDefined(); // bytes of the answer reached the client first…
    expect(ev.at(-1).error).toMatchObject({ code }); // …then the stream ended with an error event
    return r;
  }

  /** Two such streams (GW_COOLDOWN_THRESHOLD is 2) cool A down, in Redis, for both gateways; B then serves. `seenByA`: requests A received. */
  async function expectCooledDownBy(n: Record<string, string>, code: string, reason: string, seenByA: () => number): Promise<void> {
    const entered = g1.gw.stats.cooldownsEntered;
    await brokenStream(n, code);
    expect(g1.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('ok'); // one failure: below the threshold
    expect(await redis.hget(RT_KEYS.providerHealth(n.a!), `${PROVIDER_SUBJECT}.n`)).toBe('1');
    await brokenStream(n, code);
    await expect.poll(() => g1.gw.stats.cooldownsEntered).toBe(entered + 1);
    expect(await providerUntil(n.a!)).toBeGreaterThan(Date.now());
    expect(await redis.hget(RT_KEYS.providerHealth(n.a!), `${PROVIDER_SUBJECT}.r`)).toBe(reason);
    expect(seenByA()).toBe(2);
    // g2 never routed to A: it reads the shared state before its first request there.
    for (const g of [g1, g2]) {
      const r = await chat(g.url, stack.key, { stream: true });
      expect(r.status).toBe(200);
      expect(events(r.text).some((e) => e.error)).toBe(false);
    }
    expect(seenByA()).toBe(2);
    expect(g2.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('cooling');
  }

  const seed = (a: ProviderSpec) => seedModel(registry, 'routed', { a: { priority: 0, ...a }, b: { fake: stack.b, priority: 1 } });

  it('a connection dropped mid-stream', async () => {
    const n = await seed({ fake: stack.a });
    stack.a.setBehaviour({ chunks: 10, dropAfterChunks: 2 });
    await expectCooledDownBy(n, 'upstream_error', 'protocol', () => stack.a.received.length);
    expect(stack.a.received.every((r) => r.dropped)).toBe(true);
  });

  it('a malformed body mid-stream (broken chunked framing)', async () => {
    const chunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hello' } }] })}\n\n`;
    let raw: RawServer | null = null;
    try {
      raw = await rawServer((_req, socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
        setTimeout(() => socket.write('not-a-chunk-size\r\n\r\n'), 50);
      });
      const n = await seed({ url: `${raw.origin}/v1` });
      await expectCooledDownBy(n, 'upstream_error', 'protocol', () => raw!.requests.length);
    } finally {
      await raw?.close();
    }
  });

  it('the idle timeout mid-stream', async () => {
    const n = await seed({ fake: stack.a, fields: { idle_timeout_ms: 300 } });
    stack.a.setBehaviour({ chunks: 5, chunkDelayMs: 3000 });
    await expectCooledDownBy(n, 'upstream_timeout', 'timeout', () => stack.a.received.length);
  });

  it('an error event inside a 200 stream (OpenRouter, vLLM, LiteLLM), relayed to the client byte for byte', async () => {
    const n = await seed({ fake: stack.a });
    // OpenRouter's shape: the error beside the chunk's usual fields, then the stream just ends.
    const errorChunk = { id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', provider: 'x', error: { code: 'server_error', message: 'Provider disconnected unexpectedly' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] };
    // As the client gets it: the model renamed to the public one, like every chunk.
    const errorEvent = `data: ${JSON.stringify({ ...errorChunk, model: 'routed' })}\n\n`;
    stack.a.setBehaviour({ chunks: 10, errorEventAfterChunks: 2, errorEvent: errorChunk });
    const before = g1.logs.lines.length;
    await expectCooledDownBy(n, 'server_error', 'error_event', () => stack.a.received.length);
    expect(stack.a.received.slice(0, 2).every((r) => r.status === 200 && !r.dropped)).toBe(true); // clean ends, not drops

    // What the client got ends with the upstream's own error event, as sent: nothing added, nothing after it.
    stack.a.setBehaviour({ chunks: 10, errorEventAfterChunks: 2, errorEvent: errorChunk });
    await providerReset(gwctl().ctx, { name: n.a! });
    await expect.poll(() => g1.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('ok');
    await g1.gw.routing.health.refresh();
    const r = await chat(g1.url, stack.key, { stream: true });
    expect(r.provider).toBe(n.a);
    expect(r.text.endsWith(errorEvent)).toBe(true);
    expect(r.text.split('"error":')).toHaveLength(2); // no error event of the gateway's after it
    expect(events(r.text).filter((e) => e.choices?.[0]?.delta?.content)).toHaveLength(2);

    // The access line says so, as for a stream that died mid-way.
    const lines = g1.logs.lines.slice(before).map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(lines.at(-1)).toMatchObject({ status: 200, stream: true, provider: n.a, error: `The upstream provider "${n.a}" reported an error mid-stream.` });
  });

  it('an error event converted for an Anthropic client counts too', async () => {
    const n = await seed({ fake: stack.a });
    stack.a.setBehaviour({ chunks: 10, errorEventAfterChunks: 1 });
    const failures = async () => Number((await redis.hget(RT_KEYS.providerHealth(n.a!), `${PROVIDER_SUBJECT}.n`)) ?? 0);
    const res = await fetch(`${g1.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': stack.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'routed', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"The model failed while generating \(fake provider\)\."\}\}\n\n$/);
    await expect.poll(failures).toBe(1);
  });

  it('a stream that ends well clears the failures counted before it', async () => {
    const n = await seed({ fake: stack.a });
    const failures = async () => Number((await redis.hget(RT_KEYS.providerHealth(n.a!), `${PROVIDER_SUBJECT}.n`)) ?? 0);
    stack.a.enqueue({ chunks: 10, dropAfterChunks: 2 }, {}, { chunks: 10, dropAfterChunks: 2 });
    await brokenStream(n, 'upstream_error');
    expect(await failures()).toBe(1);
    const good = await chat(g1.url, stack.key, { stream: true });
    expect(events(good.text).some((e) => e.error)).toBe(false);
    await expect.poll(failures).toBe(0);
    // Counted afresh: one failure, below the threshold of 2, so A serves on.
    await brokenStream(n, 'upstream_error');
    expect(await failures()).toBe(1);
    expect(g1.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('ok');
    expect((await chat(g1.url, stack.key)).provider).toBe(n.a);
  });

  it('a client that goes away mid-stream is not a provider failure', async () => {
    const n = await seed({ fake: stack.a });
    stack.a.setBehaviour({ chunks: 50, chunkDelayMs: 50 });
    const entered = g1.gw.stats.cooldownsEntered;
    for (let i = 0; i < 3; i++) {
      const seen = stack.a.received.length;
      const ac = new AbortController();
      const res = await fetch(`${g1.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'routed', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal: ac.signal,
      });
      expect(res.headers.get('x-gateway-provider')).toBe(n.a);
      await res.body!.getReader().read(); // the first bytes arrived: the stream is the client's
      ac.abort();
      await stack.a.waitFor((r) => r.id > seen && r.aborted); // the gateway cut the upstream call
    }
    await sleep(100); // any health write would have been made by now
    expect(g1.gw.stats.cooldownsEntered).toBe(entered);
    expect(g1.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('ok');
    expect(await redis.exists(RT_KEYS.providerHealth(n.a!))).toBe(0);
    stack.a.setBehaviour({ chunks: 5, chunkDelayMs: 0 });
    expect((await chat(g1.url, stack.key)).provider).toBe(n.a);
  });
});

describe('gwctl provider status / reset', () => {
  it('status shows the cooldown the gateways share; reset clears it and the gateways route there again', async () => {
    const n = await seedAB();
    const seenByA = await coolDownA();

    const { ctx, out } = gwctl();
    await providerStatus(ctx, { name: n.a!, json: true });
    const view = JSON.parse(out.stdout()) as ProviderStatusView;
    expect(view.health).toMatchObject({ state: 'cooling', level: 1, last_reason: '500', fails: 0 });
    expect(view.health.cooldown_left_ms).toBeGreaterThan(0);
    expect(view.secrets).toEqual([expect.objectContaining({ index: 1, secret: maskSecret('sk-a-secret-0001'), state: 'ok' })]);
    expect(out.stdout()).not.toContain('sk-a-secret-0001');

    const table = gwctl();
    await providerStatus(table.ctx, {});
    expect(table.out.stdout()).toMatch(new RegExp(`${n.a}.*provider.*cooling`));

    await providerReset(gwctl().ctx, { name: n.a! });
    expect(await redis.exists(RT_KEYS.providerHealth(n.a!))).toBe(0);
    stack.a.setBehaviour({ status: 200 });
    for (const g of [g1, g2]) await expect.poll(() => g.gw.routing.health.state(n.a!, PROVIDER_SUBJECT).kind).toBe('ok');
    expect((await chat(g2.url, stack.key)).status).toBe(200);
    expect(stack.a.received).toHaveLength(seenByA + 1);
  });
});
