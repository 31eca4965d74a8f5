import Anthropic from '@anthropic-ai/sdk';
import { FAKE_THINKING_SIGNATURE } from '@llmgw/fake-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { useGatewayStack } from './support/stack.js';

/**
 * What an Anthropic client (the official @anthropic-ai/sdk, as Claude Code uses it) relies on
 * besides the answer's text: thinking blocks with their signatures (and redacted_thinking)
 * byte for byte, `msg_` ids, the `request-id` header, the models list in Anthropic's shape,
 * count_tokens on every provider type.
 */

const stack = useGatewayStack();
const { registry } = stack;
let client: Anthropic;
let rawKey: string;

beforeEach(async () => {
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: ['sk-ant-upstream'] });
  await registry.addProvider({ name: 'oai', base_url: stack.fake.url, secrets: ['sk-oai-upstream'] });
  await registry.bindModel('claude-native', { provider: 'claude', model: 'claude-opus-up' });
  await registry.bindModel('claude-via-openai', { provider: 'oai', model: 'gpt-4o-up' });
  ({ raw: rawKey } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` }));
  client = new Anthropic({ baseURL: stack.gw.url, apiKey: rawKey, maxRetries: 0 });
});

const THINK = { type: 'enabled' as const, budget_tokens: 2048 };
const ask = (model: string) => ({ model, max_tokens: 4096, thinking: THINK, messages: [{ role: 'user' as const, content: 'Why is the sky blue?' }] });

describe('extended thinking through an Anthropic upstream', () => {
  it('plain: thinking and redacted_thinking blocks come back exactly as the upstream sent them', async () => {
    stack.fake.setBehaviour({ redactedThinking: 'EmwKAhgBEgy3va3pzix/LafPsn4a', thinking: 'Rayleigh scattering…', thinkingSignature: 'sig/+=A1' });
    const msg = await client.messages.create(ask('claude-native'));
    expect(msg.content).toEqual([
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
      { type: 'thinking', thinking: 'Rayleigh scattering…', signature: 'sig/+=A1' },
      { type: 'text', text: 'Hello from the fake provider.' },
    ]);
    expect(stack.fake.received.at(-1)!.json.thinking).toEqual(THINK);
  });

  it('streamed: thinking_delta and signature_delta events add up to the same blocks', async () => {
    const plain = await client.messages.create(ask('claude-native'));
    const stream = client.messages.stream(ask('claude-native'));
    const deltas: string[] = [];
    stream.on('streamEvent', (e) => {
      if (e.type === 'content_block_delta') deltas.push(e.delta.type);
    });
    const final = await stream.finalMessage();
    expect(deltas.slice(0, 3)).toEqual(['thinking_delta', 'thinking_delta', 'signature_delta']);
    expect(final.content).toEqual(plain.content);
    expect(final.content[0]).toMatchObject({ type: 'thinking', signature: FAKE_THINKING_SIGNATURE });
  });

  it('the next turn sends the signed blocks back; the upstream receives them untouched', async () => {
    stack.fake.setBehaviour({ redactedThinking: 'opaque==' });
    const first = await client.messages.create(ask('claude-native'));
    const history = [
      { role: 'user' as const, content: 'Why is the sky blue?' },
      { role: 'assistant' as const, content: first.content },
      { role: 'user' as const, content: 'And at sunset?' },
    ];
    await client.messages.create({ ...ask('claude-native'), messages: history });
    const sent = stack.fake.received.at(-1)!.json.messages[1].content;
    expect(sent).toEqual(first.content);
    expect(sent[1].signature).toBe(FAKE_THINKING_SIGNATURE);
  });

  it('through an OpenAI-type upstream the signed blocks of the history are dropped, not sent as text', async () => {
    const first = await client.messages.create(ask('claude-native'));
    const msg = await client.messages.create({
      ...ask('claude-via-openai'),
      messages: [
        { role: 'user', content: 'Why is the sky blue?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'And at sunset?' },
      ],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello from the fake provider.' }]);
    const seen = stack.fake.received.at(-1)!;
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.body).not.toContain(FAKE_THINKING_SIGNATURE);
    expect(seen.json.thinking).toBeUndefined();
    expect(seen.json.messages[1]).toEqual({ role: 'assistant', content: 'Hello from the fake provider.' });
  });
});

describe('reasoning of an OpenAI-type upstream (reasoning_content, as DeepSeek and vLLM send it)', () => {
  it('comes back as a thinking block before the text, plain and streamed with thinking_delta events', async () => {
    stack.fake.setBehaviour({ reasoningContent: 'The user greets; answer briefly.', usage: true });
    const plain = await client.messages.create(ask('claude-via-openai'));
    expect(plain.content).toEqual([
      { type: 'thinking', thinking: 'The user greets; answer briefly.', signature: '' },
      { type: 'text', text: 'Hello from the fake provider.' },
    ]);
    const stream = client.messages.stream(ask('claude-via-openai'));
    const thinking: string[] = [];
    stream.on('thinking', (delta) => thinking.push(delta));
    const final = await stream.finalMessage();
    expect(thinking).toHaveLength(2);
    expect(final.content).toEqual(plain.content);
  });
});

describe('ids and request ids', () => {
  it('a converted answer has a msg_ id, plain and streamed', async () => {
    const msg = await client.messages.create({ model: 'claude-via-openai', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.id).toMatch(/^msg_/);
    const final = await client.messages.stream({ model: 'claude-via-openai', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(final.id).toMatch(/^msg_/);
  });

  it('request-id (what the SDK reads) equals x-request-id, on answers and on errors', async () => {
    const { data, response } = await client.messages.create({ model: 'claude-native', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('request-id')).toBe(response.headers.get('x-request-id'));
    expect((data as { _request_id?: string | null })._request_id).toBe(response.headers.get('request-id'));
    const err = await client.messages.create({ model: 'claude-nope', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).requestID).toMatch(/^req_/);
    const unrouted = await fetch(`${stack.gw.url}/v1/messages/nope`, { method: 'POST', headers: { 'x-api-key': rawKey, 'anthropic-version': '2023-06-01' } });
    expect(unrouted.status).toBe(404);
    expect(unrouted.headers.get('request-id')).toBe(unrouted.headers.get('x-request-id'));
  });

  it('an upstream refusal of an empty conversation reaches the client as Anthropic’s 400', async () => {
    const err = await client.messages.create({ model: 'claude-native', max_tokens: 16, messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/at least one message/) } });
  });
});

describe('GET /v1/models for an Anthropic client', () => {
  it('lists the key’s models in Anthropic’s shape, paginated with limit and after_id / before_id', async () => {
    const all: string[] = [];
    for await (const m of client.models.list({ limit: 1 })) {
      expect(m).toEqual({ type: 'model', id: expect.any(String), display_name: m.id, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      all.push(m.id);
    }
    expect(all.sort()).toEqual(['claude-native', 'claude-via-openai']);
    const first = await client.models.list({ limit: 1 });
    expect(first.has_more).toBe(true);
    expect(first.first_id).toBe(first.last_id);
    const rest = await client.models.list({ after_id: first.last_id! });
    expect(rest).toMatchObject({ has_more: false, first_id: rest.data[0]!.id });
    const back = await client.models.list({ before_id: rest.data[0]!.id });
    expect(back.data.map((m) => m.id)).toEqual([first.data[0]!.id]);
    expect(await client.models.retrieve('claude-native')).toMatchObject({ type: 'model', id: 'claude-native' });
  });

  it('errors in Anthropic’s shape: an unknown model, a bad limit; an OpenAI client still gets the OpenAI list', async () => {
    await expect(client.models.retrieve('claude-nope')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const bad = await fetch(`${stack.gw.url}/v1/models?limit=0`, { headers: { 'x-api-key': rawKey, 'anthropic-version': '2023-06-01' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/limit/) } });
    const openai = (await (await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${rawKey}` } })).json()) as { object: string; data: { object: string }[] };
    expect(openai.object).toBe('list');
    expect(openai.data[0]!.object).toBe('model');
  });
});

describe('count_tokens', () => {
  const body = {
    system: [{ type: 'text' as const, text: 'be brief', cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } }],
    thinking: THINK,
    tools: [{ name: 'read_file', input_schema: { type: 'object' as const } }],
    messages: [{ role: 'user' as const, content: 'count these words please' }],
  };

  it('passes through to an Anthropic upstream with the whole body (cache_control, thinking, tools) and the beta header', async () => {
    stack.fake.setBehaviour({ promptTokens: 42 });
    const r = await client.messages.countTokens({ model: 'claude-native', ...body }, { headers: { 'anthropic-beta': 'token-counting-2024-11-01' } });
    expect(r).toEqual({ input_tokens: 42 });
    const seen = stack.fake.received.at(-1)!;
    expect(seen.json).toEqual({ model: 'claude-opus-up', ...body });
    expect(seen.headers['anthropic-beta']).toBe('token-counting-2024-11-01');
  });

  it('is estimated locally for Azure and Gemini providers too (they have no count_tokens), the same as for OpenAI', async () => {
    await registry.addProvider({ name: 'az', type: 'azure', base_url: stack.fake.origin, secrets: ['az-key'] });
    await registry.addProvider({ name: 'gem', type: 'gemini', base_url: `${stack.fake.origin}/v1beta`, secrets: ['gem-key'] });
    await registry.bindModel('claude-via-azure', { provider: 'az', model: 'gpt-4o-mini' });
    await registry.bindModel('claude-via-gemini', { provider: 'gem', model: 'gemini-2.5-flash' });
    const counts: number[] = [];
    for (const model of ['claude-via-openai', 'claude-via-azure', 'claude-via-gemini']) counts.push((await client.messages.countTokens({ model, ...body })).input_tokens);
    expect(counts[0]).toBeGreaterThan(0);
    expect(new Set(counts).size).toBe(1);
    expect(stack.fake.received).toHaveLength(0);
  });

  it('is estimated locally for an OpenAI-type upstream, and refused without messages on both', async () => {
    const r = await client.messages.countTokens({ model: 'claude-via-openai', ...body });
    expect(r.input_tokens).toBeGreaterThan(0);
    expect(stack.fake.received).toHaveLength(0);
    for (const model of ['claude-native', 'claude-via-openai']) {
      await expect(client.messages.countTokens({ model } as never)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    }
  });
});
