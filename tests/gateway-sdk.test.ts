import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack();
const { registry } = stack;
let client: OpenAI;
let rawKey: string;
const SECRET = 'sk-upstream-sdk-secret-000111';

beforeEach(async () => {
  ({ rawKey } = await seedBasic(registry, stack.fake.url, { model: 'gpt-4o-mini', upstreamModel: 'upstream-mini', secret: SECRET, key: { models: ['gpt-4o*', 'text-embedding-*'] } }));
  await registry.bindModel('text-embedding-3-small', { provider: 'fake' });
  await registry.bindModel('o1-secret', { provider: 'fake' });
  client = new OpenAI({ baseURL: stack.gw.baseURL, apiKey: rawKey, maxRetries: 0 });
});

describe('the official openai SDK through the gateway', () => {
  it('chat.completions.create: answer comes back under the public model name', async () => {
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    expect(r.model).toBe('gpt-4o-mini');
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(r.usage?.total_tokens).toBeGreaterThan(0);
    // what the upstream saw: its own model name, the provider secret, never the gateway key
    const seen = stack.fake.received.at(-1)!;
    expect(seen.json.model).toBe('upstream-mini');
    expect(seen.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(seen.headers)).not.toContain(rawKey);
  });

  it('streams with for await, model renamed in every chunk, no usage chunk unless asked', async () => {
    stack.fake.setBehaviour({ chunks: 6 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const models = new Set<string>();
    let usageChunks = 0;
    for await (const chunk of stream) {
      models.add(chunk.model);
      if (chunk.usage) usageChunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect([...models]).toEqual(['gpt-4o-mini']);
    expect(text.length).toBeGreaterThan(0);
    expect(usageChunks).toBe(0);
    // the gateway asked the upstream for usage on the client's behalf
    expect(stack.fake.received.at(-1)!.json.stream_options).toEqual({ include_usage: true });
  });

  it('streams the usage chunk to a client that asked for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('embeddings.create and models.list (filtered by the key allow-list)', async () => {
    const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(e.data).toHaveLength(2);
    expect(e.model).toBe('text-embedding-3-small');
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
    expect((await client.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
  });

  it('raises the SDK error classes for 401, 403 and 404', async () => {
    const bad = new OpenAI({ baseURL: stack.gw.baseURL, apiKey: 'gw-not-a-real-key-000000000000', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.chat.completions.create({ model: 'o1-secret', messages: [] })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const nf = await client.chat.completions.create({ model: 'gpt-4o-nope', messages: [] }).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(OpenAI.NotFoundError);
    expect((nf as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    await expect(client.models.retrieve('o1-secret')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('serves the same API under /openai/v1', async () => {
    const c = new OpenAI({ baseURL: `${stack.gw.url}/openai/v1`, apiKey: rawKey, maxRetries: 0 });
    const r = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(r.model).toBe('gpt-4o-mini');
  });
});
