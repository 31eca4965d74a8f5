import Anthropic from '@anthropic-ai/sdk';
import { costOf, tablePrice, type UsageEvent } from '@llmgw/core';
import { fakeVector } from '@llmgw/fake-provider';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { lastAccessLine } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { streamEvents } from './support/usage-stream.js';

/**
 * Providers of type `gemini` (Google's Gemini API, v1beta) end to end: the official openai and
 * @anthropic-ai/sdk clients → gateway → the fake provider's Gemini imitation, which checks
 * requests as strictly as Gemini does (unknown fields, roles, empty parts, function call and
 * response turns out of order: real 400s), so a bad conversion fails these tests.
 */

const GEMINI_KEY = 'gm-upstream-secret-0000000001';
const OPENAI_KEY = 'sk-upstream-openai-secret-0002';
const stack = useGatewayStack({
  env: { GW_EXPOSE_SELECTION: '1' },
  fakeOptions: { requireKey: [GEMINI_KEY, OPENAI_KEY], strictModels: true, models: ['gpt-4o-mini'] },
});
const { registry, redis } = stack;

let n = 0;
/** Provider names no other test uses: each gateway keeps its own view of health between tests. */
let names: { gemini: string; openai: string };
let client: OpenAI;
let rawKey: string;

beforeEach(async () => {
  n++;
  names = { gemini: `gem-${n}`, openai: `oai-${n}` };
  await registry.addProvider({ name: names.gemini, type: 'gemini', base_url: `${stack.fake.origin}/v1beta`, secrets: [GEMINI_KEY] });
  await registry.addProvider({ name: names.openai, base_url: stack.fake.url, secrets: [OPENAI_KEY] });
  await registry.bindModel('flash', { provider: names.gemini, model: 'gemini-2.5-flash' });
  ({ raw: rawKey } = await registry.createKey({ name: `k-${n}` }));
  client = new OpenAI({ baseURL: stack.gw.baseURL, apiKey: rawKey, maxRetries: 0 });
});

const geminiCalls = () => stack.fake.received.filter((r) => r.path.startsWith('/v1beta/'));

/** The first usage event of this test's Gemini provider for `model` (one from the previous test may still be written after the flush). */
async function usageEvent(model: string): Promise<UsageEvent> {
  let found: UsageEvent | undefined;
  const mine = (e: UsageEvent) => e.provider === names.gemini && e.model === model;
  await expect.poll(async () => (found = (await streamEvents(redis)).find(mine)), { timeout: 5000 }).toBeDefined();
  return found!;
}

/** Both providers behind one public model, `first` tried first. */
async function bindBoth(first: 'gemini' | 'openai'): Promise<void> {
  await registry.putModel({
    name: 'either',
    policy: 'priority',
    targets: [
      { provider: names.gemini, model: 'gemini-2.0-flash', weight: 1, priority: first === 'gemini' ? 0 : 1 },
      { provider: names.openai, model: 'gpt-4o-mini', weight: 1, priority: first === 'openai' ? 0 : 1 },
    ],
  });
}

describe('openai SDK → gateway → Gemini', () => {
  it('chat.completions.create: generateContent with x-goog-api-key and a converted body; a chat.completion back with usage', async () => {
    stack.fake.setBehaviour({ content: 'Bonjour', chunks: 1, promptTokens: 100, completionTokens: 10, cachedTokens: 40, reasoningTokens: 30 });
    const r = await client.chat.completions.create({
      model: 'flash',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: [{ type: 'text', text: 'Say hello' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 64,
      stop: ['###'],
      user: 'u-1',
      response_format: { type: 'json_object' },
    });
    expect(r).toMatchObject({ object: 'chat.completion', model: 'flash', id: expect.stringMatching(/^chatcmpl-fakeResponse\d+$/) });
    expect(r.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Bonjour', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    expect(r.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
    const seen = geminiCalls().at(-1)!;
    expect(seen).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:generateContent', query: '', status: 200 });
    expect(seen.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] }],
      systemInstruction: { parts: [{ text: 'Answer in French.' }] },
      generationConfig: { maxOutputTokens: 64, temperature: 0.2, topP: 0.9, stopSequences: ['###'], responseMimeType: 'application/json' },
    });
    // Thoughts are billed as output.
    expect((await lastAccessLine(stack.gw, '/chat/completions')).tokens).toEqual({ prompt: 100, completion: 40, cached: 40, estimated: false });
  });

  it('n: several candidates are several choices', async () => {
    const r = await client.chat.completions.create({ model: 'flash', n: 2, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'Hello from the fake provider.'],
      [1, 'Hello from the fake provider.'],
    ]);
    expect(geminiCalls().at(-1)!.json.generationConfig).toEqual({ candidateCount: 2 });
  });

  it('streams: streamGenerateContent?alt=sse, a role chunk, content, a finish chunk, [DONE]; usage only when asked, recorded from the last event', async () => {
    stack.fake.setBehaviour({ content: 'alpha beta gamma', chunks: 3, promptTokens: 7, completionTokens: 3, reasoningTokens: 2 });
    const collect = async (includeUsage: boolean) => {
      const stream = await client.chat.completions.create({
        model: 'flash',
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      return chunks;
    };
    const plain = await collect(false);
    expect(plain[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(plain.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('alpha beta gamma');
    expect(plain.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(plain.every((c) => c.model === 'flash' && c.object === 'chat.completion.chunk' && !c.usage)).toBe(true);
    expect(new Set(plain.map((c) => c.id)).size).toBe(1);
    const seen = geminiCalls().at(-1)!;
    expect(seen).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', query: 'alt=sse' });
    expect(seen.json).toEqual({ contents: [{ role: 'user', parts: [{ text: 'go' }] }] });
    expect((await lastAccessLine(stack.gw, '/chat/completions')).tokens).toEqual({ prompt: 7, completion: 5, cached: 0, estimated: false });

    const withUsage = await collect(true);
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 2 } } });
  });

  it('the raw stream: CRLF events in, OpenAI SSE out with [DONE] (Gemini sends no terminator)', async () => {
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flash', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text).toMatch(/^data: \{"id":"chatcmpl-fakeResponse\d+","object":"chat.completion.chunk"/);
    expect(text).not.toContain('\r\n');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"usage"');
  });

  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather of a city',
        parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['C', 'F', null] } }, required: ['city'], additionalProperties: false },
        strict: true,
      },
    },
  ];

  it('tools round trip: a function call with an id and its thought signature, the tool result back as a functionResponse, then the answer', async () => {
    stack.fake.enqueue({ toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' }, { content: 'It is 21 degrees in Paris.', chunks: 1 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const r = await client.chat.completions.create({ model: 'flash', messages, tools, tool_choice: 'required' });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall & { extra_content?: unknown };
    expect(call).toEqual({
      id: expect.stringMatching(/^call_[A-Za-z0-9_-]+$/),
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      extra_content: { google: { thought_signature: 'c2lnbmF0dXJlLTE=' } },
    });
    expect(r.choices[0]!.message.content).toBeNull();
    expect(geminiCalls().at(-1)!.json).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather of a city',
              parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' }, unit: { type: 'STRING', nullable: true, enum: ['C', 'F'] } }, required: ['city'] },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });

    messages.push(r.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature":21}' });
    const done = await client.chat.completions.create({ model: 'flash', messages, tools });
    expect(done.choices[0]!.message.content).toBe('It is 21 degrees in Paris.');
    const back = geminiCalls().at(-1)!;
    expect(back.status).toBe(200); // the fake checked the turns as Gemini does
    expect(back.json.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { id: call.id, name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' }] },
      { role: 'user', parts: [{ functionResponse: { id: call.id, name: 'get_weather', response: { output: { temperature: 21 } } } }] },
    ]);
  });

  it('a streamed tool call: one tool_calls delta with the whole arguments, finish_reason tool_calls', async () => {
    stack.fake.setBehaviour({ toolCall: { name: 'get_weather', arguments: { city: 'Oslo' } } });
    const stream = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools, stream: true });
    const calls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const c of stream) {
      calls.push(...(c.choices[0]?.delta.tool_calls ?? []));
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(finish).toBe('tool_calls');
  });

  it('finish reasons: MAX_TOKENS → length, SAFETY → content_filter; a blocked prompt → a content-filter answer', async () => {
    stack.fake.enqueue({ finishReason: 'length' }, { finishReason: 'content_filter' }, { blockPrompt: true }, { blockPrompt: true });
    const ask = () => client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] });
    expect((await ask()).choices[0]!.finish_reason).toBe('length');
    expect((await ask()).choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: null } });
    const blocked = await ask();
    expect(blocked.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: 'Gemini blocked the prompt (blockReason SAFETY).' }, logprobs: null, finish_reason: 'content_filter' }]);
    expect(blocked.usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 0 });
    const stream = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const deltas: unknown[] = [];
    for await (const c of stream) deltas.push([c.choices[0]?.delta, c.choices[0]?.finish_reason]);
    expect(deltas).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ refusal: 'Gemini blocked the prompt (blockReason SAFETY).' }, null],
      [{}, 'content_filter'],
    ]);
  });

  it('embeddings: batchEmbedContents, floats or base64 (the SDK default) as asked; the prompt estimated (Gemini reports no counts)', async () => {
    await registry.bindModel('emb', { provider: names.gemini, model: 'gemini-embedding-001' });
    const r = await client.embeddings.create({ model: 'emb', input: ['hello', 'world'], dimensions: 4 });
    expect(r).toMatchObject({ object: 'list', model: 'emb' });
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    r.data.forEach((d, i) => Array.from(fakeVector(['hello', 'world'][i]!, 4)).forEach((v, k) => expect(d.embedding[k]).toBeCloseTo(v, 6)));
    const seen = geminiCalls().at(-1)!;
    expect(seen).toMatchObject({ path: '/v1beta/models/gemini-embedding-001:batchEmbedContents', status: 200 });
    expect(seen.json).toEqual({ requests: ['hello', 'world'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 4 })) });
    expect(await usageEvent('emb')).toMatchObject({ endpoint: '/embeddings', upstream_model: 'gemini-embedding-001', completion_tokens: 0, estimated: true, status: 200 });
    const floats = await client.embeddings.create({ model: 'emb', input: 'hello', encoding_format: 'float' });
    expect(floats.data[0]!.embedding).toHaveLength(8);
    const tokens = await client.embeddings.create({ model: 'emb', input: [[1, 2, 3]] }).catch((e: unknown) => e);
    expect(tokens).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('records usage in the usage stream, priced from the table (thoughts as output)', async () => {
    stack.fake.setBehaviour({ promptTokens: 1000, completionTokens: 60, reasoningTokens: 40 });
    await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] });
    const e = await usageEvent('flash');
    expect(e).toMatchObject({ model: 'flash', provider: names.gemini, upstream_model: 'gemini-2.5-flash', prompt_tokens: 1000, completion_tokens: 100, estimated: false, status: 200 });
    const price = tablePrice('gemini-2.5-flash', { type: 'gemini', base_url: `${stack.fake.origin}/v1beta` });
    expect(price).not.toBeNull();
    expect(e.cost_usd).toBeGreaterThan(0);
    expect(e.cost_usd).toBeCloseTo(costOf(price, { prompt: 1000, completion: 100 }), 12);
  });
});

describe('Gemini errors', () => {
  it('a 400 passes through in OpenAI shape; a conversion Gemini would refuse gets its real 400', async () => {
    stack.fake.setBehaviour({ status: 400 });
    const err = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({ message: 'Request contains an invalid argument.', type: 'invalid_request_error', param: null, code: 'invalid_argument' });
    stack.fake.setBehaviour({ status: 200 });
    const nine = await client.chat.completions.create({ model: 'flash', n: 9, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((nine as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ message: expect.stringMatching(/candidate_count: must be between 1 and 8/), code: 'invalid_argument' });
    expect(geminiCalls().at(-1)!.status).toBe(400);
  });

  it('a tool message without its call is refused by the gateway (Gemini needs the function name)', async () => {
    const err = await client.chat.completions
      .create({ model: 'flash', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_x', content: '1' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/tool_call_id "call_x"/) });
    expect(geminiCalls()).toHaveLength(0);
  });

  it('a key Google does not know (400 API_KEY_INVALID) is the secret failing: the next secret serves, the bad one cools', async () => {
    const name = `gem-keys-${n}`;
    await registry.addProvider({ name, type: 'gemini', base_url: `${stack.fake.origin}/v1beta`, secrets: ['gm-wrong-key-000000000009', GEMINI_KEY] });
    await registry.bindModel('keys', { provider: name, model: 'gemini-2.0-flash' });
    const first = await client.chat.completions.create({ model: 'keys', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(first.response.headers.get('x-gateway-attempts')).toBe('2');
    expect(geminiCalls().map((r) => [r.headers['x-goog-api-key'], r.status])).toEqual([
      ['gm-wrong-key-000000000009', 400],
      [GEMINI_KEY, 200],
    ]);
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'keys', messages: [{ role: 'user', content: 'hi' }] });
    expect(geminiCalls().filter((r) => r.headers['x-goog-api-key'] !== GEMINI_KEY)).toHaveLength(1);
    const [, h] = [...stack.gw.gw.routing.health.subjects(name)].find(([s]) => s.startsWith('s:'))!;
    expect(h.reason).toMatch(/^401 from upstream: the secret was refused/);
  });

  it('only a wrong key: the client gets upstream_misconfigured, never the upstream body', async () => {
    const name = `gem-bad-${n}`;
    await registry.addProvider({ name, type: 'gemini', base_url: `${stack.fake.origin}/v1beta`, secrets: ['gm-wrong-key-000000000009'] });
    await registry.bindModel('bad', { provider: name, model: 'gemini-2.0-flash' });
    const err = await client.chat.completions.create({ model: 'bad', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'upstream_misconfigured', message: expect.stringMatching(/secret #1: 401 from upstream/) });
  });

  it('429 (wait given in RetryInfo) and 503 from Gemini fail over to the openai target; the 429 cools the secret for that wait', async () => {
    await bindBoth('gemini');
    stack.fake.enqueue({ status: 429, retryAfter: 3 });
    const r1 = await client.chat.completions.create({ model: 'either', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(r1.response.headers.get('x-gateway-provider')).toBe(names.openai);
    expect(r1.response.headers.get('x-gateway-attempts')).toBe('2');
    const [, h] = [...stack.gw.gw.routing.health.subjects(names.gemini)].find(([s]) => s.startsWith('s:'))!;
    expect(h.reason).toBe('429');
    expect(h.until - Date.now()).toBeGreaterThan(1500);
    expect(h.until - Date.now()).toBeLessThanOrEqual(3000);
    // Cooling: the next request goes straight to the openai target.
    const r2 = await client.chat.completions.create({ model: 'either', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(r2.response.headers.get('x-gateway-attempts')).toBe('1');
    expect(geminiCalls()).toHaveLength(1);
  });

  it('503 from Gemini fails over to the openai target, streamed', async () => {
    await bindBoth('gemini');
    stack.fake.enqueue({ status: 503 });
    const { data: stream, response } = await client.chat.completions.create({ model: 'either', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the fake provider.');
    expect(response.headers.get('x-gateway-provider')).toBe(names.openai);
    expect(stack.fake.received.map((r) => [r.path, r.status])).toEqual([
      ['/v1beta/models/gemini-2.0-flash:streamGenerateContent', 503],
      ['/v1/chat/completions', 200],
    ]);
  });

  it('failover to Gemini: the openai target answers 503, the Gemini target serves (plain and streamed)', async () => {
    await bindBoth('openai');
    stack.fake.enqueue({ status: 503 });
    const r = await client.chat.completions.create({ model: 'either', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(r.response.headers.get('x-gateway-provider')).toBe(names.gemini);
    expect(r.data).toMatchObject({ model: 'either', choices: [{ message: { content: 'Hello from the fake provider.' } }] });
    stack.fake.enqueue({ status: 500 });
    const stream = await client.chat.completions.create({ model: 'either', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      usage = c.usage ?? usage;
    }
    expect(text).toBe('Hello from the fake provider.');
    expect(usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 5 });
  });

  it('an error event mid-stream ends the client stream with an OpenAI error chunk and counts against the provider', async () => {
    stack.fake.setBehaviour({ chunks: 4, errorEventAfterChunks: 2 });
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flash', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const events = (await res.text()).trimEnd().split('\n\n');
    expect(events.at(-1)).toBe('data: {"error":{"message":"The model is overloaded. Please try again later.","type":"server_error","param":null,"code":"unavailable"}}');
    expect(events.some((e) => e.includes('[DONE]'))).toBe(false);
    expect(events.filter((e) => e.includes('"content":"')).length).toBeGreaterThanOrEqual(2);
    const line = await lastAccessLine(stack.gw, '/chat/completions');
    expect(line.error).toMatch(/reported an error mid-stream/);
  });
  it('a stream the upstream drops mid-way ends with an OpenAI error chunk, no [DONE] (no false ending for a stream without terminator)', async () => {
    stack.fake.setBehaviour({ chunks: 6, dropAfterChunks: 2 });
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flash', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const events = (await res.text()).trimEnd().split('\n\n');
    expect(events.some((e) => e.includes('[DONE]') || e.includes('"finish_reason":"stop"'))).toBe(false);
    expect(JSON.parse(events.at(-1)!.slice('data: '.length)).error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
  });
});

describe('Anthropic SDK → gateway → Gemini (Messages → chat → Gemini)', () => {
  let claude: Anthropic;
  beforeEach(() => {
    claude = new Anthropic({ baseURL: stack.gw.url, apiKey: rawKey, maxRetries: 0 });
  });

  it('messages.create: a Gemini request from a Messages one, a Messages answer back with usage', async () => {
    stack.fake.setBehaviour({ content: 'Hallo Welt', chunks: 2, promptTokens: 21, completionTokens: 2, cachedTokens: 5 });
    const msg = await claude.messages.create({ model: 'flash', max_tokens: 100, system: 'Answer in German.', messages: [{ role: 'user', content: 'Say hello' }] });
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'flash',
      content: [{ type: 'text', text: 'Hallo Welt' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 16, output_tokens: 2, cache_read_input_tokens: 5 },
    });
    expect(geminiCalls().at(-1)!.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      systemInstruction: { parts: [{ text: 'Answer in German.' }] },
      generationConfig: { maxOutputTokens: 100 },
    });
    expect((await lastAccessLine(stack.gw, '/messages')).tokens).toEqual({ prompt: 21, completion: 2, cached: 5, estimated: false });
  });

  it('streams Messages events converted from Gemini events, usage in message_delta', async () => {
    stack.fake.setBehaviour({ content: 'one two three', chunks: 3, promptTokens: 9, completionTokens: 3 });
    const stream = claude.messages.stream({ model: 'flash', max_tokens: 100, messages: [{ role: 'user', content: 'count' }] });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'one two three' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ output_tokens: 3 });
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(geminiCalls().at(-1)!.query).toBe('alt=sse');
    expect((await lastAccessLine(stack.gw, '/messages')).tokens).toMatchObject({ prompt: 9, completion: 3 });
  });

  it('tool use round trip through Gemini function calls', async () => {
    stack.fake.enqueue({ toolCall: { name: 'lookup', arguments: { q: 'redis' } } }, { content: 'Redis is a database.', chunks: 1 });
    const tools: Anthropic.Tool[] = [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }];
    const first = await claude.messages.create({ model: 'flash', max_tokens: 100, tools, messages: [{ role: 'user', content: 'find redis' }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'lookup', input: { q: 'redis' } });
    const second = await claude.messages.create({
      model: 'flash',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'find redis' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'an in-memory store' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Redis is a database.' }]);
    const back = geminiCalls().at(-1)!;
    expect(back.status).toBe(200);
    expect(back.json.contents.slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { id: use.id, name: 'lookup', args: { q: 'redis' } } }] },
      { role: 'user', parts: [{ functionResponse: { id: use.id, name: 'lookup', response: { output: 'an in-memory store' } } }] },
    ]);
  });

  it('a stream the upstream drops mid-way ends with an Anthropic error event, never message_stop', async () => {
    stack.fake.setBehaviour({ chunks: 6, dropAfterChunks: 2 });
    const res = await fetch(`${stack.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': rawKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'flash', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text).toContain('event: content_block_delta');
    expect(text).not.toContain('message_stop');
    expect(text).not.toContain('message_delta');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
  });

  it('an upstream error reaches the Anthropic client in its shape; count_tokens is answered locally', async () => {
    stack.fake.setBehaviour({ status: 429 });
    const err = await claude.messages.create({ model: 'flash', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/exceeded your current quota/) } });
    stack.fake.setBehaviour({ status: 200 });
    const before = geminiCalls().length;
    const counted = await claude.messages.countTokens({ model: 'flash', messages: [{ role: 'user', content: 'hello there' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(geminiCalls()).toHaveLength(before);
  });
});

describe('the models list', () => {
  it('lists the model bound to a Gemini provider', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('flash');
    expect((await client.models.retrieve('flash')).id).toBe('flash');
  });
});
