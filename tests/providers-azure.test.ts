// An `azure` provider (Azure OpenAI: deployments, api-version, api-key) end to end, against the
// fake provider's Azure imitation, with the official SDKs as clients: plain, streamed, tools,
// usage and cost, the content filter, failover to and from it, an Anthropic client through it.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';
import { streamEvents } from './support/usage-stream.js';

const stack = useGatewayStack({ fakes: 2, env: { GW_EXPOSE_SELECTION: '1' } });
const { redis, registry } = stack;
const SECRET = 'azure-key-0123456789';

/** An azure provider on the first fake, `gpt-4o-mini` bound to the deployment of that name; a key for it. */
async function seed(opts: { apiVersion?: string } = {}): Promise<{ raw: string; id: string; openai: OpenAI }> {
  await registry.addProvider({ name: 'az', type: 'azure', base_url: stack.fakes[0]!.origin, secrets: [SECRET], ...(opts.apiVersion ? { api_version: opts.apiVersion } : {}) });
  await registry.bindModel('gpt-4o-mini', { provider: 'az', model: 'gpt-4o-mini' });
  await registry.updateModel('gpt-4o-mini', () => ({ price_input: 1, price_output: 2 }));
  const { raw, key } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 8)}` });
  return { raw, id: key.id, openai: new OpenAI({ baseURL: stack.gw.baseURL, apiKey: raw, maxRetries: 0 }) };
}

const messages = [{ role: 'user' as const, content: 'hello azure' }];

describe('azure provider', () => {
  it('a chat completion goes to the deployment with api-version and api-key, and comes back as OpenAI', async () => {
    const { openai } = await seed();
    const r = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(r.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5 });
    const got = stack.fakes[0]!.received[0]!;
    expect(got.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
    expect(got.query).toBe('api-version=2024-10-21');
    expect(got.headers['api-key']).toBe(SECRET);
    expect(got.headers.authorization).toBeUndefined();
  });

  it("the provider's api-version is used; a stream relays Azure's chunks and usage; usage is billed", async () => {
    const { openai, id } = await seed({ apiVersion: '2025-04-01-preview' });
    const s = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of s) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('Hello from the fake provider.');
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5 });
    expect(stack.fakes[0]!.received[0]!.query).toBe('api-version=2025-04-01-preview');
    const mine = async () => (await streamEvents(redis)).filter((e) => e.key_id === id);
    await until(async () => (await mine()).length === 1, 'usage written');
    expect((await mine())[0]).toMatchObject({ key_id: id, provider: 'az', upstream_model: 'gpt-4o-mini', prompt_tokens: 2, completion_tokens: 5, cost_usd: (2 * 1 + 5 * 2) / 1e6 });
  });

  it('tool calls come back as OpenAI tool_calls, plain and streamed', async () => {
    const { openai } = await seed();
    stack.fakes[0]!.setBehaviour({ toolCall: { name: 'get_weather', arguments: { city: 'Paris' } } });
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const r = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    const s = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools, stream: true });
    let args = '';
    for await (const c of s) args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
  });

  it("Azure's content-filter refusal is an OpenAI-shaped 400 content_filter, passed through, nothing failed over", async () => {
    const { openai } = await seed();
    stack.fakes[0]!.setBehaviour({ blockPrompt: true });
    const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'content_filter', param: 'prompt' });
    expect(String((err as Error).message)).toMatch(/content filter: /);
    expect(stack.fakes[0]!.received).toHaveLength(1);
  });

  it('fails over from an OpenAI target to the Azure one, and from Azure to OpenAI, on a 503', async () => {
    const { openai } = await seed();
    await registry.addProvider({ name: 'oa', base_url: stack.fakes[1]!.url, secrets: ['sk-oa-0123456789'], priority: -1 });
    await registry.bindModel('gpt-4o-mini', { provider: 'oa', model: 'gpt-4o-mini' });
    await registry.updateModel('gpt-4o-mini', () => ({ policy: 'priority' }));
    await until(async () => (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()).response.headers.get('x-gateway-provider') === 'oa', 'the OpenAI target first');
    stack.fakes[1]!.enqueue({ status: 503 });
    const a = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(a.response.headers.get('x-gateway-provider')).toBe('az');
    expect(a.response.headers.get('x-gateway-attempts')).toBe('2');
    // And the other way round.
    await registry.updateProvider('oa', () => ({ priority: 1 }));
    await until(async () => (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()).response.headers.get('x-gateway-provider') === 'az', 'the Azure target first');
    stack.fakes[0]!.enqueue({ status: 503 });
    const b = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(b.response.headers.get('x-gateway-provider')).toBe('oa');
  });

  it('an unknown deployment is a misconfiguration (502), not the client\'s 404; embeddings and an Anthropic client work', async () => {
    const { openai, raw } = await seed();
    await registry.bindModel('wrong', { provider: 'az', model: 'no-such-deployment' });
    const err = await openai.chat.completions.create({ model: 'wrong', messages }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'upstream_misconfigured' });

    await registry.bindModel('text-embedding-3-small', { provider: 'az', model: 'text-embedding-3-small' });
    const e = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
    expect(e.data[0]!.embedding.length).toBeGreaterThan(0);

    const anthropic = new Anthropic({ baseURL: stack.gw.url, apiKey: raw, maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    expect(m.content[0]).toMatchObject({ type: 'text', text: 'Hello from the fake provider.' });
    expect(stack.fakes[0]!.received.at(-1)!.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
  });
});
