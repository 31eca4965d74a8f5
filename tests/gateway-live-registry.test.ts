import { describe, expect, it } from 'vitest';
import { seedBasic, startTestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

// A long cache TTL and no rev polling: only gw:events can make these changes visible.
const stack = useGatewayStack({ env: { GW_CACHE_TTL_MS: '600000', GW_NEGATIVE_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '0' } });
const { redis, registry } = stack;

const chat = (key: string, model = 'gpt-4o-mini') =>
  fetch(`${stack.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('registry writes take effect on a running gateway without a restart', () => {
  it('a new key, a new binding and a disabled key, each through gw:events', async () => {
    const { rawKey, keyHash } = await seedBasic(registry, stack.fake.url);
    expect((await chat(rawKey)).status).toBe(200);

    // a key the gateway has already been asked about (and cached as unknown) starts working
    const future = 'gw-imported-key-for-live-test-0001';
    expect((await chat(future)).status).toBe(401);
    await registry.createKey({ name: 'live' }, future);
    await expect.poll(async () => (await chat(future)).status).toBe(200);

    // a model cached as unknown becomes routable once bound
    expect((await chat(rawKey, 'gpt-live')).status).toBe(404);
    await registry.bindModel('gpt-live', { provider: 'fake', model: 'upstream-live' });
    await expect.poll(async () => (await chat(rawKey, 'gpt-live')).status).toBe(200);
    expect(stack.fake.received.at(-1)!.json.model).toBe('upstream-live');

    // disabling a cached key stops it at once
    await registry.updateKey(keyHash, () => ({ status: 'disabled' }));
    await expect.poll(async () => (await chat(rawKey)).status).toBe(403);
  });

  /** Status of a small chat request to the gateway at `url`. */
  const chatStatus = (url: string, rawKey: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.status);

  it('a missed event is caught by the gw:rev safety net', async () => {
    const poller = await startTestGateway({ GW_CACHE_TTL_MS: '600000', GW_NEGATIVE_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '100' });
    try {
      const { rawKey, keyHash } = await seedBasic(registry, stack.fake.url);
      const call = () => chatStatus(poller.url, rawKey);
      expect(await call()).toBe(200);
      // change the record behind the registry's back (no event), then bump the revision
      await redis.hset(`gw:key:${keyHash}`, 'status', 'disabled');
      await redis.incr('gw:rev');
      await expect.poll(call, { timeout: 3000 }).toBe(403);
    } finally {
      await poller.close();
    }
  });
  it('a revision read before its event arrives does not clear the cache (only a difference that stays does)', async () => {
    const poller = await startTestGateway({ GW_CACHE_TTL_MS: '600000', GW_NEGATIVE_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '50' });
    try {
      const { rawKey } = await seedBasic(registry, stack.fake.url);
      const call = () => chatStatus(poller.url, rawKey);
      expect(await call()).toBe(200);
      await expect.poll(() => poller.gw.cache.revision).toBe(Number(await redis.get('gw:rev')));
      const cleared = () => poller.logs.lines.filter((l) => l.includes('registry cache cleared')).length;
      const before = cleared();
      // A write whose event comes 40 ms after its revision, ten times: polls every 50 ms read
      // the new revision before the event in most of those windows.
      for (let i = 0; i < 10; i++) {
        const rev = await redis.incr('gw:rev');
        await new Promise((r) => setTimeout(r, 40));
        await redis.publish('gw:events', JSON.stringify({ kind: 'provider', name: 'not-cached', op: 'put', rev }));
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 400));
      expect(cleared()).toBe(before);
      expect(poller.gw.cache.sizes().keys).toBeGreaterThanOrEqual(1);
    } finally {
      await poller.close();
    }
  });
});

describe('multipart audio transcription', () => {
  it('routes by the form field `model` and rewrites it for the upstream', async () => {
    const { rawKey } = await seedBasic(registry, stack.fake.url, { model: 'whisper-1', upstreamModel: 'whisper-large-v3' });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3, 0, 255])], { type: 'audio/wav' }), 'a.wav');
    form.append('model', 'whisper-1');
    const r = await fetch(`${stack.gw.url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${rawKey}` }, body: form });
    expect(r.status).toBe(200);
    expect(await r.json()).toHaveProperty('text');
    const seen = stack.fake.received.at(-1)!;
    expect(seen.path).toBe('/v1/audio/transcriptions');
    expect(seen.rawBody.includes(Buffer.from('whisper-large-v3'))).toBe(true);
    expect(seen.rawBody.includes(Buffer.from([1, 2, 3, 0, 255]))).toBe(true);
  });
});
