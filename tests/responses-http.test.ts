import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { lastAccessLine } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

/**
 * The Responses API through the gateway with the official openai SDK: natively (openai type),
 * through chat completions (an openai provider with `responses_api: chat`) and through Anthropic
 * Messages; stored responses (GET, input items, DELETE) and `previous_response_id` on another pod
 * and another provider type.
 */

const stack = useGatewayStack({ gateways: [{ GW_POD_NAME: 'pod-a' }, { GW_POD_NAME: 'pod-b' }, { GW_POD_NAME: 'pod-small', GW_RESPONSES_MAX_BYTES: '3000', GW_RESPONSES_TTL_S: '60' }] });
const { registry } = stack;
let raw: string;
let otherRaw: string;
const sdk = (i: number, key = raw) => new OpenAI({ baseURL: stack.gws[i]!.baseURL, apiKey: key, maxRetries: 0 });

beforeEach(async () => {
  await registry.addProvider({ name: 'oai', type: 'openai', base_url: stack.fake.url, secrets: ['sk-oai-upstream-1'] });
  await registry.addProvider({ name: 'oai-chat', type: 'openai', base_url: stack.fake.url, secrets: ['sk-oai-upstream-2'], responses_api: 'chat' });
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: ['sk-ant-upstream-3'] });
  await registry.addProvider({ name: 'gem', type: 'gemini', base_url: `${stack.fake.origin}/v1beta`, secrets: ['gm-upstream-key-4'] });
  await registry.addProvider({ name: 'az', type: 'azure', base_url: stack.fake.origin, secrets: ['az-upstream-key-5'] });
  await registry.bindModel('gemini-r', { provider: 'gem', model: 'gemini-2.5-flash' });
  await registry.bindModel('azure-r', { provider: 'az', model: 'gpt-4o' });
  await registry.bindModel('gpt-native', { provider: 'oai', model: 'gpt-4o' });
  await registry.bindModel('gpt-chat', { provider: 'oai-chat', model: 'llama-3' });
  await registry.bindModel('claude-r', { provider: 'claude', model: 'claude-haiku' });
  raw = (await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` })).raw;
  otherRaw = (await registry.createKey({ name: `o-${Math.random().toString(36).slice(2, 10)}` })).raw;
});

const lastPath = () => stack.fake.received.at(-1)!.path;
const lastJson = () => stack.fake.received.at(-1)!.json as Record<string, any>;

describe('POST /v1/responses, non-stream', () => {
  it.each([
    ['gpt-native', '/v1/responses'],
    ['gpt-chat', '/v1/chat/completions'],
    ['claude-r', '/v1/messages'],
    ['gemini-r', '/v1beta/models/gemini-2.5-flash:generateContent'],
    ['azure-r', '/openai/deployments/gpt-4o/chat/completions'],
  ])('%s: a Response object with the public model, output text and usage (upstream %s)', async (model, upstreamPath) => {
    stack.fake.setBehaviour({ content: 'Hello there friend', chunks: 3, promptTokens: 7, completionTokens: 3 });
    const r = await sdk(0).responses.create({ model, input: 'Say hello', instructions: 'Be brief.' });
    expect(lastPath()).toBe(upstreamPath);
    expect(r.object).toBe('response');
    expect(r.id).toMatch(/^resp_/);
    expect(r.model).toBe(model);
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe('Hello there friend');
    expect(r.usage).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
    const line = await lastAccessLine(stack.gws[0]!, '/responses');
    expect(line.tokens).toEqual({ prompt: 7, completion: 3, cached: 0, estimated: false });
    expect(line.transport).toBe('http');
  });

  it('converts the request for a chat upstream: instructions, input items, function tools, max_output_tokens, text format', async () => {
    await sdk(0).responses.create({
      model: 'gpt-chat',
      instructions: 'sys',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'what is the weather' }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'rainy' },
      ],
      tools: [{ type: 'function', name: 'weather', description: 'w', parameters: { type: 'object', properties: {} }, strict: false }],
      tool_choice: 'auto',
      max_output_tokens: 50,
      text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true } },
    });
    expect(lastJson()).toMatchObject({
      model: 'llama-3',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'what is the weather' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'rainy' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'w', parameters: { type: 'object', properties: {} }, strict: false } }],
      tool_choice: 'auto',
      max_completion_tokens: 50,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
    });
  });

  it('a tool call from Anthropic comes back as a function_call output item', async () => {
    stack.fake.setBehaviour({ toolCall: { name: 'lookup', arguments: { q: 'x' } } });
    const r = await sdk(0).responses.create({ model: 'claude-r', input: 'find x', tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' }, strict: false }] });
    const call = r.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'lookup', arguments: '{"q":"x"}' });
    expect((call as { call_id: string }).call_id).toMatch(/^toolu_/);
  });

  it('a hosted tool is left out for a converted provider; forcing one is a 400 and nothing is sent upstream', async () => {
    await sdk(0).responses.create({ model: 'claude-r', input: 'x', tools: [{ type: 'web_search_preview' }, { type: 'function', name: 'f', parameters: { type: 'object' }, strict: false }] });
    expect((lastJson().tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['f']);
    const before = stack.fake.received.length;
    const e = await sdk(0).responses.create({ model: 'claude-r', input: 'x', tools: [{ type: 'web_search_preview' }], tool_choice: { type: 'web_search_preview' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/web_search_preview/);
    expect(stack.fake.received.length).toBe(before);
  });
});

describe('POST /v1/responses, stream', () => {
  it.each(['gpt-native', 'gpt-chat', 'claude-r', 'gemini-r', 'azure-r'])('%s: the SDK stream helper gets every event and a final response with usage', async (model) => {
    stack.fake.setBehaviour({ content: 'one two three', chunks: 3, promptTokens: 4, completionTokens: 3 });
    const stream = sdk(1).responses.stream({ model, input: 'count' });
    const types: string[] = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
    }
    const final = await stream.finalResponse();
    expect(text).toBe('one two three');
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_item.added');
    expect(types).toContain('response.output_item.done');
    expect(types.at(-1)).toBe('response.completed');
    // the helper's final response is built from the events (it has no output_text shortcut)
    expect(final.output).toMatchObject([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'one two three' }] }]);
    expect(final.model).toBe(model);
    expect(final.usage).toMatchObject({ input_tokens: 4, output_tokens: 3 });
    expect((await lastAccessLine(stack.gws[1]!, '/responses')).tokens).toEqual({ prompt: 4, completion: 3, cached: 0, estimated: false });
  });
});

describe('stored responses and previous_response_id', () => {
  it('a follow-up on another pod, served by another provider type, gets the whole conversation', async () => {
    stack.fake.setBehaviour({ content: 'Paris is the capital', chunks: 2 });
    const first = await sdk(0).responses.create({ model: 'claude-r', input: 'capital of France?', instructions: 'short answers' });
    stack.fake.setBehaviour({ content: 'About 2 million', chunks: 2 });
    const second = await sdk(1).responses.create({ model: 'gpt-chat', previous_response_id: first.id, input: 'population?' });
    expect(second.output_text).toBe('About 2 million');
    expect(lastPath()).toBe('/v1/chat/completions');
    expect(lastJson().messages).toEqual([
      { role: 'user', content: 'capital of France?' },
      { role: 'assistant', content: 'Paris is the capital' },
      { role: 'user', content: 'population?' },
    ]);
    // …and natively: the upstream gets input items, never a previous_response_id it does not know
    const third = await sdk(0).responses.create({ model: 'gpt-native', previous_response_id: second.id, input: 'thanks' });
    expect(third.status).toBe('completed');
    expect(lastPath()).toBe('/v1/responses');
    expect(lastJson().previous_response_id).toBeUndefined();
    expect((lastJson().input as Array<Record<string, unknown>>).map((i) => i.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
  });

  it('a streamed response is stored too, and continued on the other pod', async () => {
    stack.fake.setBehaviour({ content: 'streamed answer', chunks: 2 });
    const stream = sdk(0).responses.stream({ model: 'gpt-chat', input: 'go' });
    const first = await stream.finalResponse();
    await sdk(1).responses.create({ model: 'claude-r', previous_response_id: first.id, input: 'more' });
    expect(lastPath()).toBe('/v1/messages');
    expect(lastJson().messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'streamed answer' }] },
      { role: 'user', content: [{ type: 'text', text: 'more' }] },
    ]);
  });

  it('GET, input_items and DELETE, on any pod, only for the key that created it', async () => {
    stack.fake.setBehaviour({ content: 'kept', chunks: 1 });
    const r = await sdk(0).responses.create({ model: 'gpt-chat', input: [{ role: 'user', content: 'remember me' }] });
    const got = await sdk(1).responses.retrieve(r.id);
    expect(got).toMatchObject({ id: r.id, object: 'response', output_text: 'kept' });
    const items = await sdk(1).responses.inputItems.list(r.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: 'remember me' });
    // another key: as if it did not exist, and it cannot continue it either
    await expect(sdk(1, otherRaw).responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(sdk(1, otherRaw).responses.delete(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const before = stack.fake.received.length;
    const e = await sdk(1, otherRaw).responses.create({ model: 'gpt-chat', previous_response_id: r.id, input: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('previous_response_not_found');
    expect(stack.fake.received.length).toBe(before);
    // the owner deletes it; then it is gone everywhere
    await sdk(1).responses.delete(r.id);
    await expect(sdk(0).responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(await stack.redis.keys('gw:rt:{r:*')).toEqual([]);
  });

  it('store: false keeps nothing; the TTL bounds what is kept', async () => {
    const r = await sdk(0).responses.create({ model: 'gpt-chat', input: 'x', store: false });
    await expect(sdk(0).responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const kept = await sdk(0).responses.create({ model: 'gpt-chat', input: 'y' });
    const ttl = await stack.redis.ttl(`gw:rt:{r:${kept.id}}:resp`);
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
  });

  it('a record over GW_RESPONSES_MAX_BYTES is not kept: the follow-up is told why, GET is a 404; GW_RESPONSES_TTL_S sets the expiry', async () => {
    const small = await sdk(2).responses.create({ model: 'gpt-chat', input: 'short' });
    const ttl = await stack.redis.ttl(`gw:rt:{r:${small.id}}:resp`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    const big = await sdk(2).responses.create({ model: 'gpt-chat', input: 'word '.repeat(1000) });
    expect(big.status).toBe('completed');
    expect((await stack.redis.get(`gw:rt:{r:${big.id}}:resp`))!.length).toBeLessThan(200);
    await expect(sdk(0).responses.retrieve(big.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const e = await sdk(0).responses.create({ model: 'gpt-chat', previous_response_id: big.id, input: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('previous_response_not_stored');
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/GW_RESPONSES_MAX_BYTES/);
  });

  it('bad previous_response_id values are refused before anything is sent upstream', async () => {
    const before = stack.fake.received.length;
    const post = (body: unknown) =>
      fetch(`${stack.gws[0]!.baseURL}/responses`, { method: 'POST', headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ model: 'gpt-chat', input: 'x', previous_response_id: 42 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('previous_response_id');
    const unknown = await post({ model: 'gpt-chat', input: 'x', previous_response_id: 'resp_nope' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('previous_response_not_found');
    expect(stack.fake.received.length).toBe(before);
    const wrongMethod = await fetch(`${stack.gws[0]!.baseURL}/responses/resp_x/input_items`, { method: 'DELETE', headers: { authorization: `Bearer ${raw}` } });
    expect(wrongMethod.status).toBe(405);
  });

  it('an unknown previous_response_id goes unchanged to a native Responses target (the upstream may know it); other targets keep the 400', async () => {
    // A response the client made at the upstream directly (not through this gateway).
    const direct = (await (await fetch(`${stack.fake.url}/responses`, { method: 'POST', headers: { authorization: 'Bearer sk-oai-upstream-1', 'content-type': 'application/json' }, body: '{"model":"gpt-4o","input":"made elsewhere"}' })).json()) as { id: string };
    stack.fake.setBehaviour({ content: 'continued upstream', chunks: 1 });
    const next = await sdk(0).responses.create({ model: 'gpt-native', previous_response_id: direct.id, input: 'go on' });
    expect(next.output_text).toBe('continued upstream');
    const sent = stack.fake.received.at(-1)!;
    expect(sent.path).toBe('/v1/responses');
    expect(sent.json).toMatchObject({ model: 'gpt-4o', previous_response_id: direct.id, input: 'go on' });
    // The gateway has no whole conversation for it: nothing kept, follow-ups go upstream the same way.
    expect(await stack.redis.keys('gw:rt:{r:*')).toEqual([]);
    const again = await sdk(1).responses.create({ model: 'gpt-native', previous_response_id: next.id, input: 'and then', stream: true });
    for await (const _ of again);
    expect(stack.fake.received.at(-1)!.json).toMatchObject({ previous_response_id: next.id, input: 'and then' });

    // One the upstream does not know either: its own 400, relayed.
    const lost = await sdk(0).responses.create({ model: 'gpt-native', previous_response_id: 'resp_nowhere', input: 'x' }).catch((x: unknown) => x);
    expect(lost).toBeInstanceOf(OpenAI.BadRequestError);
    expect(lost).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });

    // Converted targets cannot resolve it: the gateway's clear 400, nothing sent.
    const before = stack.fake.received.length;
    for (const model of ['gpt-chat', 'claude-r']) {
      const e = await sdk(0).responses.create({ model, previous_response_id: direct.id, input: 'x' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e).toMatchObject({ code: 'previous_response_not_found' });
    }
    expect(stack.fake.received.length).toBe(before);
  });
});
