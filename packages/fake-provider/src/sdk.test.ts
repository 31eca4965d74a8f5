import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI, type Content } from '@google/genai';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeVector } from './embeddings.js';
import { startFakeProvider } from './server.js';
import type { FakeProvider } from './types.js';

/** The official SDKs must take the fake provider for the real thing. */

let fp: FakeProvider;
let openai: OpenAI;
beforeAll(async () => {
  fp = await startFakeProvider({ requireKey: 'sk-fake' });
  openai = new OpenAI({ baseURL: fp.url, apiKey: 'sk-fake', maxRetries: 0 });
});
afterAll(async () => {
  await fp.close();
});

describe('openai SDK', () => {
  it('creates a chat completion', async () => {
    const c = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0]!.message.content).toBe('Hello from the fake provider.');
    expect(c.usage?.completion_tokens).toBe(5);
    const rec = fp.received.at(-1)!;
    expect(rec.headers['authorization']).toBe('Bearer sk-fake');
  });

  it('streams a chat completion with usage', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from the fake provider.');
    expect(usage).toEqual({ prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 });
  });

  it('decodes embeddings (the SDK asks for base64) and lists models', async () => {
    const e = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 4 });
    expect(e.data.map((d) => d.embedding)).toEqual([Array.from(fakeVector('a', 4)), Array.from(fakeVector('b', 4))]);
    const models = [];
    for await (const m of openai.models.list()) models.push(m.id);
    expect(models).toContain('gpt-4o-mini');
  });

  it('maps scripted errors to the SDK error classes', async () => {
    fp.enqueue({ status: 429, retryAfter: 1 });
    await expect(openai.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const wrongKey = new OpenAI({ baseURL: fp.url, apiKey: 'gw-client', maxRetries: 0 });
    await expect(wrongKey.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('anthropic SDK', () => {
  it('creates and streams a message', async () => {
    const client = new Anthropic({ baseURL: fp.origin, apiKey: 'sk-fake', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content[0]).toEqual({ type: 'text', text: 'Hello from the fake provider.' });
    const stream = client.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hello from the fake provider.' });
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(5);
    // This SDK version sends the key as a Bearer token; older ones used x-api-key.
    const h = fp.received.at(-1)!.headers;
    expect(h['x-api-key'] ?? h['authorization']).toMatch(/^(Bearer )?sk-fake$/);
  });
});

describe('openai SDK: AzureOpenAI', () => {
  const azure = (opts: { deployment?: string; apiKey?: string } = {}) =>
    new AzureOpenAI({ endpoint: fp.origin, apiKey: opts.apiKey ?? 'sk-fake', apiVersion: '2024-10-21', deployment: opts.deployment, maxRetries: 0 });

  it('creates a chat completion on a deployment, with api-key and api-version', async () => {
    const c = await azure({ deployment: 'gpt-4o' }).chat.completions.create({ model: '', messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0]!.message.content).toBe('Hello from the fake provider.');
    expect(c.model).toBe('gpt-4o-2024-11-20');
    const rec = fp.received.at(-1)!;
    expect(rec).toMatchObject({ path: '/openai/deployments/gpt-4o/chat/completions', query: 'api-version=2024-10-21' });
    expect(rec.headers['api-key']).toBe('sk-fake');
  });

  it('streams past the prompt-filter chunk, the model naming the deployment', async () => {
    const stream = await azure().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from the fake provider.');
    expect(usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 });
    expect(fp.received.at(-1)!.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
  });

  it('embeds, and answers the Responses API', async () => {
    const e = await azure().embeddings.create({ model: 'text-embedding-3-small', input: 'a', dimensions: 4 });
    expect(e.data[0]!.embedding).toEqual(Array.from(fakeVector('a', 4)));
    const r = await azure().responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(r.output_text).toBe('Hello from the fake provider.');
    expect(fp.received.at(-1)!.path).toBe('/openai/responses');
  });

  it('maps Azure errors to the SDK error classes', async () => {
    fp.enqueue({ blockPrompt: true }, { status: 429, retryAfter: 1 });
    const filtered = await azure({ deployment: 'gpt-4o' }).chat.completions.create({ model: '', messages: [] }).catch((e: unknown) => e);
    expect(filtered).toBeInstanceOf(OpenAI.BadRequestError);
    expect(filtered).toMatchObject({ status: 400, code: 'content_filter', error: { innererror: { code: 'ResponsibleAIPolicyViolation' } } });
    await expect(azure({ deployment: 'gpt-4o' }).chat.completions.create({ model: '', messages: [] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(azure({ deployment: 'nope' }).chat.completions.create({ model: '', messages: [] })).rejects.toMatchObject({ status: 404, code: 'DeploymentNotFound' });
    await expect(azure({ deployment: 'gpt-4o', apiKey: 'wrong' }).chat.completions.create({ model: '', messages: [] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('@google/genai SDK', () => {
  const genai = (apiKey = 'sk-fake') => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fp.origin } });

  it('generates content with a system instruction, sending the key as x-goog-api-key', async () => {
    const r = await genai().models.generateContent({ model: 'gemini-2.0-flash', contents: 'hello there', config: { systemInstruction: 'be brief', temperature: 0.2 } });
    expect(r.text).toBe('Hello from the fake provider.');
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: 4, candidatesTokenCount: 5, totalTokenCount: 9 });
    const rec = fp.received.at(-1)!;
    expect(rec.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(rec.headers['x-goog-api-key']).toBe('sk-fake');
    expect(rec.json).toMatchObject({ systemInstruction: { parts: [{ text: 'be brief' }] }, generationConfig: { temperature: 0.2 } });
  });

  it('streams content over SSE', async () => {
    let text = '';
    for await (const chunk of await genai().models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' })) text += chunk.text ?? '';
    expect(text).toBe('Hello from the fake provider.');
    expect(fp.received.at(-1)!.query).toBe('alt=sse');
  });

  it('calls a function and takes its response back', async () => {
    const config = { tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }] };
    const ask: Content = { role: 'user', parts: [{ text: 'Weather in Paris?' }] };
    fp.enqueue({ toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, thoughtSignature: true }, { content: 'It is 21 degrees.' });
    const first = await genai().models.generateContent({ model: 'gemini-2.5-flash', contents: [ask], config });
    expect(first.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    const answer: Content = { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }] };
    const second = await genai().models.generateContent({ model: 'gemini-2.5-flash', contents: [ask, first.candidates![0]!.content!, answer], config });
    expect(second.text).toBe('It is 21 degrees.');
    expect(fp.received.at(-1)!.json.contents[1].parts[0]).toMatchObject({ functionCall: { name: 'get_weather' }, thoughtSignature: expect.any(String) });
  });

  it('lists models and embeds', async () => {
    const names = [];
    for await (const m of await genai().models.list()) names.push(m.name);
    expect(names).toContain('models/gemini-2.5-pro');
    const e = await genai().models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'], config: { outputDimensionality: 4 } });
    expect(e.embeddings!.map((x) => x.values)).toEqual([Array.from(fakeVector('a', 4)), Array.from(fakeVector('b', 4))]);
  });

  it('raises ApiError with the status for scripted errors and for a wrong key', async () => {
    fp.enqueue({ status: 503 });
    await expect(genai().models.generateContent({ model: 'gemini-2.0-flash', contents: 'x' })).rejects.toMatchObject({ name: 'ApiError', status: 503 });
    const wrong = await genai('wrong').models.generateContent({ model: 'gemini-2.0-flash', contents: 'x' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ApiError);
    expect(wrong).toMatchObject({ status: 400, message: expect.stringContaining('API_KEY_INVALID') });
  });
});
