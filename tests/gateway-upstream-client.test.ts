import { parseSse } from '@llmgw/fake-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { postChat, seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

// The same gateway traffic through both upstream HTTP clients: the native one (default) and
// undici behind GW_UPSTREAM_CLIENT=undici, so the fallback keeps working.
const stack = useGatewayStack({ gateways: [{}, { GW_UPSTREAM_CLIENT: 'undici' }] });
let rawKey: string;

beforeEach(async () => {
  ({ rawKey } = await seedBasic(stack.registry, stack.fake.url));
});

describe.each([
  ['native', 0],
  ['undici', 1],
])('the gateway on the %s upstream client', (_name, i) => {
  it('relays a chat completion', async () => {
    const res = await postChat(stack.gws[i]!, rawKey);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', usage: { completion_tokens: 5 } });
  });

  it('relays a stream to its end', async () => {
    stack.fake.setBehaviour({ chunks: 4, chunkDelayMs: 5 });
    const res = await postChat(stack.gws[i]!, rawKey, { stream: true });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices[0]?.delta?.content).length).toBe(4);
  });

  it('ends a stream the upstream drops with an error event', async () => {
    stack.fake.setBehaviour({ chunks: 6, chunkDelayMs: 5, dropAfterChunks: 2 });
    const res = await postChat(stack.gws[i]!, rawKey, { stream: true });
    const last = parseSse(await res.text()).at(-1)!;
    expect(JSON.parse(last.data).error).toMatchObject({ code: 'upstream_error', type: 'server_error' });
  });

  it('answers 504 upstream_timeout when the upstream says nothing before the first-byte deadline', async () => {
    await stack.registry.addProvider({ name: 'slow', base_url: stack.fake.url, secrets: ['sk-upstream-test-secret-0002'], first_byte_timeout_ms: 300 });
    await stack.registry.bindModel('gpt-4o', { provider: 'slow', model: 'gpt-4o' });
    stack.fake.setBehaviour({ hang: true });
    const res = await postChat(stack.gws[i]!, rawKey, { model: 'gpt-4o' });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });
});
