import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { lastAccessLine } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

/** OpenAI clients (the official openai SDK) served by a provider of type `anthropic`: converted both ways. */

const stack = useGatewayStack();
const { registry } = stack;
let client: OpenAI;
const SECRET = 'sk-ant-upstream-secret-4242';

beforeEach(async () => {
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: [SECRET] });
  await registry.bindModel('gpt-via-claude', { provider: 'claude', model: 'claude-haiku-upstream' });
  const { raw } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}` });
  client = new OpenAI({ baseURL: stack.gw.baseURL, apiKey: raw, maxRetries: 0 });
});

const accessLine = () => lastAccessLine(stack.gw, '/chat/completions');

describe('openai SDK → gateway → Anthropic-format upstream', () => {
  it('chat.completions.create: /v1/messages upstream with x-api-key and anthropic-version; chat.completion back', async () => {
    stack.fake.setBehaviour({ content: 'Hi from Claude', chunks: 3, promptTokens: 14, completionTokens: 3 });
    const r = await client.chat.completions.create({
      model: 'gpt-via-claude',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'hello' },
      ],
      temperature: 1.5,
      stop: ['\n\n'],
      user: 'u-9',
    });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('gpt-via-claude');
    expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hi from Claude' });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 3, total_tokens: 17 });
    const seen = stack.fake.received.at(-1)!;
    expect(seen.path).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe(SECRET);
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.json).toEqual({
      model: 'claude-haiku-upstream',
      max_tokens: 4096,
      system: 'Be terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      temperature: 1,
      stop_sequences: ['\n\n'],
      metadata: { user_id: 'u-9' },
    });
    expect((await accessLine()).tokens).toEqual({ prompt: 14, completion: 3, cached: 0, estimated: false });
  });

  it('streams: chunks with the public model, a finish chunk, the usage chunk only when asked', async () => {
    stack.fake.setBehaviour({ content: 'alpha beta gamma', chunks: 3, promptTokens: 5, completionTokens: 3 });
    const collect = async (includeUsage: boolean) => {
      const stream = await client.chat.completions.create({
        model: 'gpt-via-claude',
        max_completion_tokens: 50,
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      let text = '';
      const models = new Set<string>();
      const finish: string[] = [];
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const c of stream) {
        models.add(c.model);
        text += c.choices[0]?.delta?.content ?? '';
        if (c.choices[0]?.finish_reason) finish.push(c.choices[0].finish_reason);
        if (c.usage) usage = c.usage;
      }
      return { text, models: [...models], finish, usage };
    };
    const plain = await collect(false);
    expect(plain).toEqual({ text: 'alpha beta gamma', models: ['gpt-via-claude'], finish: ['stop'], usage: undefined });
    expect(stack.fake.received.at(-1)!.json).toMatchObject({ stream: true, max_tokens: 50 });
    expect(stack.fake.received.at(-1)!.json.stream_options).toBeUndefined();
    expect((await accessLine()).tokens).toMatchObject({ prompt: 5, completion: 3 });

    const withUsage = await collect(true);
    expect(withUsage.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } },
  ];

  it('tool calls, plain and streamed, and the tool result going back as a tool_result block', async () => {
    const toolCall = { name: 'lookup', arguments: { q: 'redis' }, id: 'toolu_77' };
    stack.fake.setBehaviour({ content: 'Redis is a database.', chunks: 4 });
    stack.fake.enqueue({ toolCall }, { toolCall });
    const r = await client.chat.completions.create({ model: 'gpt-via-claude', messages: [{ role: 'user', content: 'find redis' }], tools, tool_choice: 'required' });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.choices[0]!.message.tool_calls).toEqual([{ id: 'toolu_77', type: 'function', function: { name: 'lookup', arguments: '{"q":"redis"}' } }]);
    expect(stack.fake.received.at(-1)!.json).toMatchObject({
      tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
      tool_choice: { type: 'any' },
    });

    const stream = await client.chat.completions.create({ model: 'gpt-via-claude', messages: [{ role: 'user', content: 'find redis' }], tools, stream: true });
    let args = '';
    let id: string | undefined;
    let finish: string | null | undefined;
    for await (const c of stream) {
      const t = c.choices[0]?.delta?.tool_calls?.[0];
      if (t?.id) id = t.id;
      args += t?.function?.arguments ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(id).toBe('toolu_77');
    expect(JSON.parse(args)).toEqual({ q: 'redis' });
    expect(finish).toBe('tool_calls');

    const done = await client.chat.completions.create({
      model: 'gpt-via-claude',
      tools,
      messages: [
        { role: 'user', content: 'find redis' },
        r.choices[0]!.message,
        { role: 'tool', tool_call_id: 'toolu_77', content: 'Redis: in-memory data store' },
      ],
    });
    expect(done.choices[0]!.message.content).toBe('Redis is a database.');
    expect(stack.fake.received.at(-1)!.json.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'find redis' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_77', name: 'lookup', input: { q: 'redis' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_77', content: 'Redis: in-memory data store' }] },
    ]);
  });

  it('an Anthropic upstream error reaches the OpenAI client in the OpenAI shape', async () => {
    stack.fake.setBehaviour({ status: 400 });
    const err = await client.chat.completions.create({ model: 'gpt-via-claude', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toEqual({ message: 'invalid_request_error (fake provider)', type: 'invalid_request_error', param: null, code: 'invalid_request_error' });
  });

  it('a stream the upstream drops mid-way ends with an OpenAI error chunk, no [DONE]', async () => {
    stack.fake.setBehaviour({ chunks: 6, dropAfterChunks: 2 });
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-via-claude', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('"object":"chat.completion.chunk"');
    expect(text).not.toContain('[DONE]');
    const last = text.trimEnd().split('\n\n').at(-1)!;
    expect(JSON.parse(last.slice('data: '.length)).error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
  });
});
