import Anthropic from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { lastAccessLine } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

/**
 * Claude clients (the official @anthropic-ai/sdk) through the gateway: to an OpenAI-format
 * upstream (converted both ways) and to an Anthropic-format upstream (passed through).
 */

const stack = useGatewayStack();
const { registry } = stack;
let client: Anthropic;
let rawKey: string;
const OPENAI_SECRET = 'sk-upstream-openai-secret-9001';
const ANTHROPIC_SECRET = 'sk-ant-upstream-secret-9002';

beforeEach(async () => {
  await registry.addProvider({ name: 'oai', base_url: stack.fake.url, secrets: [OPENAI_SECRET] });
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: [ANTHROPIC_SECRET] });
  await registry.bindModel('claude-via-openai', { provider: 'oai', model: 'gpt-4o-upstream' });
  await registry.bindModel('claude-native', { provider: 'claude', model: 'claude-sonnet-4-5-upstream' });
  ({ raw: rawKey } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` }));
  client = new Anthropic({ baseURL: stack.gw.url, apiKey: rawKey, maxRetries: 0 });
});

const accessLine = (endpoint: string) => lastAccessLine(stack.gw, endpoint);

describe('Anthropic SDK → gateway → OpenAI-format upstream', () => {
  it('messages.create: converted request, Anthropic-shaped answer under the public model, usage accounted', async () => {
    stack.fake.setBehaviour({ content: 'Bonjour tout le monde', chunks: 3, promptTokens: 21, completionTokens: 3 });
    const msg = await client.messages.create({
      model: 'claude-via-openai',
      max_tokens: 256,
      system: 'Answer in French.',
      temperature: 0.3,
      stop_sequences: ['###'],
      metadata: { user_id: 'user-7' },
      messages: [{ role: 'user', content: 'Say hello' }],
      // temperature is still in Anthropic's API; this SDK version's types lack it.
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-via-openai',
      content: [{ type: 'text', text: 'Bonjour tout le monde' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 21, output_tokens: 3 },
    });
    const seen = stack.fake.received.at(-1)!;
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
    expect(JSON.stringify(seen.headers)).not.toContain(rawKey);
    expect(seen.json).toEqual({
      model: 'gpt-4o-upstream',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_tokens: 256,
      temperature: 0.3,
      stop: ['###'],
      user: 'user-7',
    });
    const line = await accessLine('/messages');
    expect(line.tokens).toEqual({ prompt: 21, completion: 3, cached: 0, estimated: false });
  });

  it('messages.stream: Anthropic events from an OpenAI stream, usage from the upstream usage chunk', async () => {
    stack.fake.setBehaviour({ content: 'one two three four', chunks: 4, promptTokens: 9, completionTokens: 4 });
    const stream = client.messages.stream({ model: 'claude-via-openai', max_tokens: 100, messages: [{ role: 'user', content: 'count' }] });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const text: string[] = [];
    stream.on('text', (t) => text.push(t));
    const final = await stream.finalMessage();
    expect(text.length).toBe(4); // one text_delta per upstream chunk, relayed as they came
    expect(text.join('')).toBe('one two three four');
    expect(final.content).toEqual([{ type: 'text', text: 'one two three four' }]);
    expect(final.model).toBe('claude-via-openai');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
    expect(types[0]).toBe('message_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(stack.fake.received.at(-1)!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const line = await accessLine('/messages');
    expect(line.tokens).toMatchObject({ prompt: 9, completion: 4 });
  });

  const tools: Anthropic.Tool[] = [
    { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
  ];

  it('tool use round trip, plain: tool_use out, tool_result back in as a tool message', async () => {
    stack.fake.enqueue({ toolCall: { name: 'get_weather', arguments: { location: 'Paris' }, id: 'call_w1' } }, { content: 'It is 18°C in Paris.' });
    const first = await client.messages.create({
      model: 'claude-via-openai',
      max_tokens: 200,
      tools,
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(use).toMatchObject({ id: 'call_w1', name: 'get_weather', input: { location: 'Paris' } });
    expect(stack.fake.received.at(-1)!.json).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: tools[0]!.input_schema } }],
      tool_choice: 'required',
    });

    const second = await client.messages.create({
      model: 'claude-via-openai',
      max_tokens: 200,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18°C, sunny' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is 18°C in Paris.' }]);
    expect(stack.fake.received.at(-1)!.json.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '18°C, sunny' },
    ]);
  });

  it('tool use, streamed: input_json_delta pieces add up to the tool input', async () => {
    stack.fake.setBehaviour({ toolCall: { name: 'get_weather', arguments: { location: 'Tokyo', unit: 'celsius' } }, chunks: 5 });
    const stream = client.messages.stream({ model: 'claude-via-openai', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather in Tokyo?' }] });
    const pieces: string[] = [];
    stream.on('inputJson', (partial) => pieces.push(partial));
    const final = await stream.finalMessage();
    expect(pieces.length).toBeGreaterThan(1);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { location: 'Tokyo', unit: 'celsius' } })]);
  });

  it('count_tokens is estimated locally (no upstream call) for a model on an OpenAI-format provider', async () => {
    const before = stack.fake.received.length;
    const r = await client.messages.countTokens({ model: 'claude-via-openai', system: 'Be brief.', messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] });
    expect(r.input_tokens).toBeGreaterThan(5);
    expect(r.input_tokens).toBeLessThan(40);
    expect(stack.fake.received.length).toBe(before);
  });

  it('is served under /anthropic/v1 too', async () => {
    const c = new Anthropic({ baseURL: `${stack.gw.url}/anthropic`, apiKey: rawKey, maxRetries: 0 });
    const msg = await c.messages.create({ model: 'claude-via-openai', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.type).toBe('message');
  });

  it('an upstream OpenAI error reaches the client in the Anthropic shape', async () => {
    stack.fake.setBehaviour({ status: 429, retryAfter: 7 });
    const err = await client.messages.create({ model: 'claude-via-openai', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached (fake provider).' } });
    expect(err.headers.get('retry-after')).toBe('7');
  });

  it('a stream the upstream drops mid-way ends with an Anthropic error event', async () => {
    stack.fake.setBehaviour({ chunks: 6, dropAfterChunks: 2 });
    const res = await fetch(`${stack.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': rawKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-via-openai', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('event: message_start');
    expect(text).not.toContain('event: message_stop');
    const last = text.trimEnd().split('\n\n').at(-1)!;
    expect(last.startsWith('event: error\ndata: ')).toBe(true);
    expect(JSON.parse(last.slice('event: error\ndata: '.length))).toEqual({ type: 'error', error: { type: 'api_error', message: 'The upstream provider "oai" closed the connection unexpectedly.' } });
  });
});

describe('Anthropic SDK → gateway → Anthropic-format upstream (pass-through)', () => {
  it('messages.create goes to /v1/messages with the provider key and anthropic-version, model renamed both ways', async () => {
    stack.fake.setBehaviour({ content: 'native answer', chunks: 2, promptTokens: 12, completionTokens: 2 });
    const msg = await client.messages.create({ model: 'claude-native', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.model).toBe('claude-native');
    expect(msg.content).toEqual([{ type: 'text', text: 'native answer' }]);
    const seen = stack.fake.received.at(-1)!;
    expect(seen.path).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe(ANTHROPIC_SECRET);
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.json).toEqual({ model: 'claude-sonnet-4-5-upstream', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect((await accessLine('/messages')).tokens).toEqual({ prompt: 12, completion: 2, cached: 0, estimated: false });
  });

  it('streams pass through; usage merges message_start input and message_delta output', async () => {
    stack.fake.setBehaviour({ content: 'a b c', chunks: 3, promptTokens: 30, completionTokens: 3 });
    const final = await client.messages.stream({ model: 'claude-native', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(final.model).toBe('claude-native');
    expect(final.content).toEqual([{ type: 'text', text: 'a b c' }]);
    expect((await accessLine('/messages')).tokens).toEqual({ prompt: 30, completion: 3, cached: 0, estimated: false });
  });

  it('count_tokens passes through to the Anthropic provider', async () => {
    stack.fake.setBehaviour({ promptTokens: 77 });
    const r = await client.messages.countTokens({ model: 'claude-native', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.input_tokens).toBe(77);
    expect(stack.fake.received.at(-1)!.path).toBe('/v1/messages/count_tokens');
    expect(stack.fake.received.at(-1)!.json.model).toBe('claude-sonnet-4-5-upstream');
  });
});

describe('malformed Anthropic requests get Anthropic-shaped errors', () => {
  async function post(body: string, headers: Record<string, string> = { 'x-api-key': rawKey }, path = '/v1/messages') {
    const res = await fetch(`${stack.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as any };
  }

  it.each([
    ['bad JSON', '{"model":', 400, 'invalid_request_error', /JSON/],
    ['missing model', JSON.stringify({ max_tokens: 5, messages: [] }), 400, 'invalid_request_error', /model/],
    ['missing max_tokens', JSON.stringify({ model: 'claude-via-openai', messages: [{ role: 'user', content: 'hi' }] }), 400, 'invalid_request_error', /max_tokens/],
    ['missing messages', JSON.stringify({ model: 'claude-via-openai', max_tokens: 5 }), 400, 'invalid_request_error', /messages/],
    ['unknown model', JSON.stringify({ model: 'claude-nope', max_tokens: 5, messages: [] }), 404, 'not_found_error', /claude-nope/],
  ])('%s', async (_name, body, status, type, message) => {
    const r = await post(body);
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ type: 'error', error: { type, message: expect.stringMatching(message) } });
  });

  it('a wrong key is an authentication_error (SDK: AuthenticationError)', async () => {
    const bad = new Anthropic({ baseURL: stack.gw.url, apiKey: 'sk-wrong-key', maxRetries: 0 });
    const err = await bad.messages.create({ model: 'claude-via-openai', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.error).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Incorrect API key provided.' } });
  });

  it('a Bearer token works as well as x-api-key', async () => {
    const r = await post(JSON.stringify({ model: 'claude-nope', max_tokens: 5, messages: [] }), { authorization: `Bearer ${rawKey}` });
    expect(r.status).toBe(404); // authenticated, then the unknown model
  });

  it('count_tokens and GET on /v1/messages answer in the Anthropic shape too', async () => {
    const r = await post(JSON.stringify({ model: 'claude-via-openai' }), { 'x-api-key': rawKey }, '/v1/messages/count_tokens');
    expect(r.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/messages/) } });
    const res = await fetch(`${stack.gw.url}/v1/messages`, { headers: { 'x-api-key': rawKey } });
    expect(res.status).toBe(405);
    expect(((await res.json()) as any).type).toBe('error');
  });

  it('OpenAI endpoints keep the OpenAI shape', async () => {
    const r = await post('{"model":', { 'x-api-key': rawKey }, '/v1/chat/completions');
    expect(r.body.error.code).toBe('invalid_json');
  });
});
