import { describe, expect, it } from 'vitest';
import { chat, seedModel, useRoutingStack } from './routing-helpers.js';
import { blackhole } from './support/h1-servers.js';

// Gateway 0: defaults far above what the tests use, so only the per-provider values can explain
// the timings. Gateway 1: short gateway defaults for the first byte and the idle stream, a
// cooldown after one failure, and metrics.
const stack = useRoutingStack({
  gateways: [
    { GW_EXPOSE_SELECTION: '1', GW_CONNECT_TIMEOUT_MS: '30000', GW_UPSTREAM_TIMEOUT_MS: '60000', GW_FIRST_BYTE_TIMEOUT_MS: '60000', GW_STREAM_IDLE_TIMEOUT_MS: '60000' },
    { GW_EXPOSE_SELECTION: '1', GW_UPSTREAM_TIMEOUT_MS: '60000', GW_FIRST_BYTE_TIMEOUT_MS: '500', GW_STREAM_IDLE_TIMEOUT_MS: '500', GW_COOLDOWN_THRESHOLD: '1', GW_ADMIN_PORT: '0' },
  ],
});
const { registry } = stack;
const shortGw = () => stack.gws[1]!;

/** SSE events of a streamed answer, parsed. */
function events(text: string): any[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && !e.includes('[DONE]'))
    .map((e) => JSON.parse(e.slice(6)));
}

describe('per-provider timeouts', () => {
  it('connect: a provider that never completes the handshake fails over after its own connect timeout', async () => {
    const hole = await blackhole();
    try {
      const n = await seedModel(registry, 'routed', {
        a: { url: `http://127.0.0.1:${hole.port}/v1`, priority: 0, fields: { connect_timeout_ms: 300 } },
        b: { fake: stack.b, priority: 1 },
      });
      const r = await chat(stack.gw.url, stack.key);
      expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
      expect(r.ms).toBeLessThan(5000); // the gateway default is 30 s
      expect(stack.b.received).toHaveLength(1);
    } finally {
      await hole.close();
    }
  });

  it('first byte: each provider has its own deadline for the response headers', async () => {
    const n = await seedModel(registry, 'routed', {
      a: { fake: stack.a, priority: 0, fields: { first_byte_timeout_ms: 300 } },
      b: { fake: stack.b, priority: 1, fields: { first_byte_timeout_ms: 5000 } },
    });
    stack.a.setBehaviour({ headersDelayMs: 8000 });
    stack.b.setBehaviour({ headersDelayMs: 600 }); // slower than A's deadline, within B's
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(r.ms).toBeGreaterThanOrEqual(900);
    expect(r.ms).toBeLessThan(4000);
  });

  it('a slow model is not cut by the listener: 13 s to the first byte, past uWS\'s keep-alive idle clock (8-12 s)', { timeout: 40_000 }, async () => {
    // Reasoning models can think for longer than uWS lets a connection sit idle between
    // requests; that clock must not run while an answer is pending.
    await seedModel(registry, 'routed', { a: { fake: stack.a, fields: { first_byte_timeout_ms: 30_000 } } });
    stack.a.setBehaviour({ headersDelayMs: 13_000 });
    const [plain, streamed] = await Promise.all([chat(stack.gw.url, stack.key), chat(stack.gw.url, stack.key, { stream: true })]);
    expect(plain.status).toBe(200);
    expect(plain.json.choices[0].message.content.length).toBeGreaterThan(0);
    expect(plain.ms).toBeGreaterThanOrEqual(12_900);
    expect(streamed.status).toBe(200);
    expect(events(streamed.text).length).toBeGreaterThan(1);
    expect(streamed.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('a provider that hangs is cut at its first-byte deadline: 504 upstream_timeout', async () => {
    await seedModel(registry, 'routed', { a: { fake: stack.a, fields: { first_byte_timeout_ms: 300 } } });
    stack.a.setBehaviour({ hang: true });
    const r = await chat(stack.gw.url, stack.key);
    expect(r.status).toBe(504);
    expect(r.json.error.code).toBe('upstream_timeout');
    expect(r.ms).toBeLessThan(3000);
    await expect.poll(() => stack.a.received[0]?.aborted).toBe(true);
  });

  it('idle: silence between stream chunks past idle_timeout_ms ends the stream with an error event (no retry)', async () => {
    await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0, fields: { idle_timeout_ms: 300 } }, b: { fake: stack.b, priority: 1 } });
    stack.a.setBehaviour({ chunks: 5, chunkDelayMs: 5000 });
    const r = await chat(stack.gw.url, stack.key, { stream: true });
    expect(r.status).toBe(200);
    expect(events(r.text).at(-1).error).toMatchObject({ code: 'upstream_timeout' });
    expect(r.ms).toBeLessThan(4000);
    expect(stack.b.received).toHaveLength(0);
  });

  it('total: timeout_ms cuts a stream that goes on too long, however lively', async () => {
    await seedModel(registry, 'routed', { a: { fake: stack.a, fields: { timeout_ms: 800, idle_timeout_ms: 5000 } } });
    stack.a.setBehaviour({ chunks: 40, chunkDelayMs: 100 }); // 4 s of steady chunks
    const r = await chat(stack.gw.url, stack.key, { stream: true });
    const ev = events(r.text);
    expect(ev.at(-1).error).toMatchObject({ code: 'upstream_timeout' });
    expect(ev.filter((e) => e.choices?.[0]?.delta?.content).length).toBeGreaterThan(1);
    expect(r.ms).toBeGreaterThanOrEqual(700);
    expect(r.ms).toBeLessThan(2500);
  });

  it('total also bounds the wait for headers when no first-byte timeout is set', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0, fields: { timeout_ms: 400 } }, b: { fake: stack.b, priority: 1 } });
    stack.a.setBehaviour({ headersDelayMs: 8000 });
    const r = await chat(stack.gw.url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(r.ms).toBeLessThan(3000);
  });
});

describe('first-byte and idle-stream timeouts: gateway defaults, provider, model', () => {
  it('a provider that never answers is cut at the gateway default first-byte timeout and the next target answers', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } });
    stack.a.setBehaviour({ hang: true });
    const r = await chat(shortGw().url, stack.key);
    expect(r).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    expect(r.json.choices[0].message.content.length).toBeGreaterThan(0);
    expect(r.ms).toBeLessThan(15_000); // the whole-request deadline is 60 s
    await expect.poll(() => stack.a.received[0]?.aborted).toBe(true);
  });

  it('a first-byte timeout is a provider fault: it cools the provider down and is counted', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } });
    stack.a.setBehaviour({ hang: true });
    expect(await chat(shortGw().url, stack.key)).toMatchObject({ status: 200, provider: n.b, attempts: 2 });
    // GW_COOLDOWN_THRESHOLD=1: A is cooling down, the next request goes straight to B.
    expect(await chat(shortGw().url, stack.key)).toMatchObject({ status: 200, provider: n.b, attempts: 1 });
    expect(stack.a.received).toHaveLength(1);
    const metrics = await shortGw().gw.metrics!.render();
    expect(metrics).toContain(`llmgw_upstream_timeouts_total{provider="${n.a}",phase="first_byte"} 1`);
    expect(metrics).toContain(`llmgw_upstream_attempts_total{provider="${n.a}",status_class="error"} 1`);
  });

  it('a stream that stalls after its first bytes ends with an error event at the gateway default idle timeout, counted against the provider', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0 }, b: { fake: stack.b, priority: 1 } });
    stack.a.setBehaviour({ chunks: 5, stallAfterChunks: 2 });
    const r = await chat(shortGw().url, stack.key, { stream: true });
    expect(r.status).toBe(200);
    const ev = events(r.text);
    expect(ev.filter((e) => e.choices?.[0]?.delta?.content)).toHaveLength(2);
    expect(ev.at(-1).error).toMatchObject({ code: 'upstream_timeout' });
    expect(stack.b.received).toHaveLength(0); // too late to fail over
    await expect.poll(() => stack.a.received[0]?.aborted).toBe(true);
    // Counted against A (threshold 1): the next request goes to B.
    expect(await chat(shortGw().url, stack.key)).toMatchObject({ status: 200, provider: n.b, attempts: 1 });
    expect(await shortGw().gw.metrics!.render()).toContain(`llmgw_upstream_timeouts_total{provider="${n.a}",phase="idle"} 1`);
  });

  it('the provider\'s first-byte timeout wins over the gateway default', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, fields: { first_byte_timeout_ms: 30_000 } } });
    stack.a.setBehaviour({ headersDelayMs: 1_500 }); // past the 500 ms default
    expect(await chat(shortGw().url, stack.key)).toMatchObject({ status: 200, provider: n.a, attempts: 1 });
  });

  it('the model\'s first-byte timeout wins over the provider\'s, both ways', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0, fields: { first_byte_timeout_ms: 300 } }, b: { fake: stack.b, priority: 1 } });
    await registry.updateModel('routed', () => ({ first_byte_timeout_ms: 30_000 }));
    stack.a.setBehaviour({ headersDelayMs: 1_500 }); // past the provider's 300 ms
    expect(await chat(shortGw().url, stack.key)).toMatchObject({ status: 200, provider: n.a, attempts: 1 });

    const m = await seedModel(registry, 'routed', { a: { fake: stack.a, priority: 0, fields: { first_byte_timeout_ms: 30_000 } }, b: { fake: stack.b, priority: 1 } });
    await registry.updateModel('routed', () => ({ first_byte_timeout_ms: 300 }));
    stack.a.setBehaviour({ hang: true });
    // Gateway 0, whose own default (60 s) is out of the picture as well.
    expect(await chat(stack.gw.url, stack.key)).toMatchObject({ status: 200, provider: m.b, attempts: 2 });
  });

  it('idle: the model\'s timeout wins over the provider\'s, the provider\'s over the gateway default', async () => {
    const n = await seedModel(registry, 'routed', { a: { fake: stack.a, fields: { idle_timeout_ms: 30_000 } } });
    stack.a.setBehaviour({ chunks: 2, chunkDelayMs: 1_200 }); // pauses past the 500 ms default
    let r = await chat(shortGw().url, stack.key, { stream: true });
    expect(r.provider).toBe(n.a);
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);

    await registry.updateModel('routed', () => ({ idle_timeout_ms: 300 }));
    stack.a.setBehaviour({ chunks: 5, chunkDelayMs: 0, stallAfterChunks: 1 });
    r = await chat(stack.gw.url, stack.key, { stream: true });
    expect(events(r.text).at(-1).error).toMatchObject({ code: 'upstream_timeout' });
  });
});
