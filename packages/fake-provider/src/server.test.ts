import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeVector } from './embeddings.js';
import { startFakeProvider } from './server.js';
import { parseSse } from './sse.js';
import type { FakeProvider } from './types.js';

const json = (res: Response): Promise<any> => res.json();

let fp: FakeProvider;
const ready = startFakeProvider().then((p) => (fp = p));

afterAll(async () => {
  await fp.close();
});
beforeEach(async () => {
  await ready;
  fp.reset();
});

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'say hello to me' }] };

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(fp.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

const chunksOf = (text: string) =>
  parseSse(text)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data));

describe('chat completions', () => {
  it('answers a plain request with a chat.completion, usage and the request model', async () => {
    const res = await post('/chat/completions', CHAT);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await json(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake provider.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    const rec = await fp.waitFor((r) => r.status === 200);
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/chat/completions', aborted: false, json: CHAT });
    expect(rec.headers['content-type']).toBe('application/json');
  });

  it('streams chunks then [DONE], without usage unless include_usage is set', async () => {
    const res = await post('/chat/completions', { ...CHAT, stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const chunks = chunksOf(text);
    expect(chunks).toHaveLength(7); // role, 5 content pieces, finish
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id && c.usage === undefined)).toBe(true);
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.slice(1, 6).map((c) => c.choices[0].delta.content).join('')).toBe('Hello from the fake provider.');
    expect(chunks[6].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
  });

  it('sends a last usage chunk with empty choices when include_usage is set', async () => {
    const res = await post('/chat/completions', { ...CHAT, stream: true, stream_options: { include_usage: true } }, { 'x-fake-behaviour': '{"chunks":3}' });
    const chunks = chunksOf(await res.text());
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
  });

  it('omits usage with noUsage, and overrides token counts', async () => {
    fp.enqueue({ noUsage: true }, { promptTokens: 11, completionTokens: 22 });
    expect((await json(await post('/chat/completions', CHAT))).usage).toBeUndefined();
    expect((await json(await post('/chat/completions', CHAT))).usage).toEqual({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
  });

  it('breaks usage down only when cached or reasoning tokens are scripted', async () => {
    fp.enqueue({ cachedTokens: 3, reasoningTokens: 4 });
    expect((await json(await post('/chat/completions', CHAT))).usage).toEqual({
      prompt_tokens: 4,
      completion_tokens: 9,
      total_tokens: 13,
      prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 4, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect((await json(await post('/chat/completions', CHAT))).usage.prompt_tokens_details).toBeUndefined();
  });

  it('answers a tool call, plain and streamed', async () => {
    const tool = { toolCall: { name: 'get_weather', arguments: { city: 'Paris' } } };
    fp.enqueue(tool, tool);
    const plain = await json(await post('/chat/completions', CHAT));
    expect(plain.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    });
    const chunks = chunksOf(await (await post('/chat/completions', { ...CHAT, stream: true })).text());
    expect(chunks[0].choices[0].delta.tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    const args = chunks.slice(1, -1).map((c) => c.choices[0].delta.tool_calls[0].function.arguments).join('');
    expect(args).toBe('{"city":"Paris"}');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('returns the configured content, split in `chunks` pieces, and the first model when echoModel is off', async () => {
    const res = await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': JSON.stringify({ content: 'abcdefgh', chunks: 4, echoModel: false }) });
    const chunks = chunksOf(await res.text());
    expect(chunks.slice(1, -1).map((c) => c.choices[0].delta.content)).toEqual(['ab', 'cd', 'ef', 'gh']);
    expect(chunks[0].model).toBe('gpt-4o-mini'); // first of the default models
  });
});

describe('behaviours', () => {
  it('answers a scripted status with an OpenAI error body and Retry-After', async () => {
    const res = await post('/chat/completions', CHAT, { 'x-fake-behaviour': '{"status":429,"retryAfter":7}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await json(res)).toEqual({ error: { message: expect.any(String), type: 'requests', param: null, code: 'rate_limit_exceeded' } });
  });

  it('sends a custom error body', async () => {
    fp.setBehaviour({ status: 503, errorBody: { error: { message: 'down', type: 'x', param: null, code: 'y' } } });
    const res = await post('/embeddings', { input: 'x' });
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ error: { message: 'down', type: 'x', param: null, code: 'y' } });
  });

  it('delays the headers by headersDelayMs', async () => {
    const t0 = Date.now();
    const res = await post('/chat/completions', CHAT, { 'x-fake-behaviour': '{"headersDelayMs":250}' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    expect(res.status).toBe(200);
  });

  it('paces stream chunks by chunkDelayMs', async () => {
    const t0 = Date.now();
    await (await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': '{"chunks":4,"chunkDelayMs":40}' })).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150); // 6 events, 5 gaps
  });

  it('drops the connection after N chunks: the client sees part of the stream, then an error', async () => {
    const res = await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': '{"dropAfterChunks":2}' });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const err = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += Buffer.from(value).toString();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(text).not.toContain('[DONE]');
    expect(chunksOf(text).filter((c) => c.choices[0].delta.content)).toHaveLength(2);
    const rec = await fp.waitFor((r) => r.dropped);
    expect(rec.aborted).toBe(false);
  });

  it('goes silent after N chunks with the connection open (stallAfterChunks) until the client leaves', async () => {
    const ac = new AbortController();
    const res = await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': '{"stallAfterChunks":2}' }, ac.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const whole = () => text.slice(0, text.lastIndexOf('\n\n') + 2);
    while (chunksOf(whole()).filter((c) => c.choices[0].delta.content).length < 2) text += Buffer.from((await reader.read()).value).toString();
    const more = await Promise.race([reader.read().then(() => 'more', () => 'aborted'), new Promise((r) => setTimeout(() => r('silent'), 200))]);
    expect(more).toBe('silent');
    ac.abort();
    const rec = await fp.waitFor((r) => r.aborted);
    expect(rec.dropped).toBe(false);
  });

  it('sends an error event after N chunks and ends the stream cleanly (errorEventAfterChunks), or the given errorEvent', async () => {
    const res = await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': '{"errorEventAfterChunks":2}' });
    expect(res.status).toBe(200);
    const text = await res.text(); // a clean end: no read error
    expect(text).not.toContain('[DONE]');
    const chunks = chunksOf(text);
    expect(chunks.filter((c) => c.choices?.[0]?.delta?.content)).toHaveLength(2);
    expect(chunks.at(-1)).toEqual({ error: { message: 'The model failed while generating (fake provider).', type: 'server_error', param: null, code: null } });
    const rec = await fp.waitFor((r) => r.status === 200);
    expect(rec.dropped).toBe(false);

    const custom = { error: { code: 'x' }, choices: [] };
    const own = await (await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': JSON.stringify({ errorEventAfterChunks: 0, errorEvent: custom }) })).text();
    expect(chunksOf(own)).toHaveLength(2); // the role preamble, then the error event
    expect(own.endsWith(`data: ${JSON.stringify(custom)}\n\n`)).toBe(true);
  });

  it('drops the connection before any header', async () => {
    await expect(post('/chat/completions', CHAT, { 'x-fake-behaviour': '{"dropBeforeHeaders":true}' })).rejects.toThrow();
  });

  it('consumes enqueued behaviours in order, one per request, then falls back to the instance default', async () => {
    fp.setBehaviour({ content: 'default' });
    fp.enqueue({ status: 500 }, { status: 429 }, { content: 'queued' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/chat/completions', CHAT)).status);
    expect(statuses).toEqual([500, 429, 200]);
    expect((await json(await post('/chat/completions', CHAT))).choices[0].message.content).toBe('default');
  });

  it('lets the x-fake-behaviour header win over the queue and the instance default', async () => {
    fp.setBehaviour({ content: 'A' });
    fp.enqueue({ content: 'B', status: 500 });
    const res = await post('/chat/completions', CHAT, { 'x-fake-behaviour': '{"content":"C","status":200}' });
    expect((await json(res)).choices[0].message.content).toBe('C');
  });

  it('answers 400 to a malformed x-fake-behaviour header', async () => {
    const res = await post('/chat/completions', CHAT, { 'x-fake-behaviour': '{nope' });
    expect(res.status).toBe(400);
  });

  it('records a client abort mid-stream', async () => {
    const ac = new AbortController();
    const res = await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': '{"chunks":50,"chunkDelayMs":30}' }, ac.signal);
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    const rec = await fp.waitFor((r) => r.aborted, 3000);
    expect(rec.path).toBe('/v1/chat/completions');
    expect(rec.dropped).toBe(false);
    expect(rec.endedAt).toBeGreaterThanOrEqual(rec.startedAt);
  });

  it('hangs until the client gives up, and records that', async () => {
    const err = await post('/chat/completions', CHAT, { 'x-fake-behaviour': '{"hang":true}' }, AbortSignal.timeout(200)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await fp.waitFor((r) => r.aborted);
  });
});

describe('other endpoints', () => {
  it('answers 400 to malformed JSON and 404 to unknown paths, OpenAI-shaped', async () => {
    const bad = await post('/chat/completions', '{"model":');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.type).toBe('invalid_request_error');
    const missing = await fetch(`${fp.url}/nope`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toBeDefined();
  });

  it('returns deterministic embeddings with the requested dimensions', async () => {
    const one = await json(await post('/embeddings', { model: 'text-embedding-3-small', input: 'hello' }));
    expect(one.data).toHaveLength(1);
    expect(one.data[0].embedding).toHaveLength(8);
    expect(one.data[0].embedding).toEqual(Array.from(fakeVector('hello', 8)));
    const many = await json(await post('/embeddings', { model: 'e', input: ['a', 'b', 'c'], dimensions: 16 }));
    expect(many.data.map((d: { index: number; embedding: number[] }) => [d.index, d.embedding.length])).toEqual([[0, 16], [1, 16], [2, 16]]);
    expect(many.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const b64 = await json(await post('/embeddings', { model: 'e', input: 'hello', encoding_format: 'base64' }));
    const buf = Buffer.from(b64.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, 8))).toEqual(Array.from(fakeVector('hello', 8)));
  });

  it('lists models and answers one, 404 for an unknown id', async () => {
    const list = await json(await fetch(`${fp.url}/models`));
    expect(list.object).toBe('list');
    expect(list.data.map((m: { id: string }) => m.id)).toContain('gpt-4o-mini');
    expect(await json(await fetch(`${fp.url}/models/gpt-4o`))).toMatchObject({ id: 'gpt-4o', object: 'model' });
    const missing = await fetch(`${fp.url}/models/nope`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('model_not_found');
  });

  it('answers completions, plain and streamed', async () => {
    const plain = await json(await post('/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'once upon' }));
    expect(plain).toMatchObject({ object: 'text_completion', choices: [{ text: 'Hello from the fake provider.', finish_reason: 'stop' }], usage: { prompt_tokens: 2 } });
    const chunks = chunksOf(await (await post('/completions', { model: 'x', prompt: 'p', stream: true })).text());
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe('Hello from the fake provider.');
  });

  it('answers responses, moderations, images and speech', async () => {
    const r = await json(await post('/responses', { model: 'gpt-4o', input: 'hi there' }));
    expect(r).toMatchObject({ object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hello from the fake provider.' }] }], usage: { input_tokens: 2, output_tokens: 5 } });
    const m = await json(await post('/moderations', { input: ['a', 'b'] }));
    expect(m.results).toHaveLength(2);
    const img = await json(await post('/images/generations', { prompt: 'cat', n: 2, response_format: 'b64_json' }));
    expect(img.data).toHaveLength(2);
    expect(Buffer.from(img.data[0].b64_json, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const url = await json(await post('/images/generations', { prompt: 'cat' }));
    expect(url.data[0].url).toMatch(/^https:/);
    const speech = await post('/audio/speech', { model: 'tts-1', input: 'hi', voice: 'alloy' });
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    expect((await speech.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it('answers a multipart transcription and records the raw body', async () => {
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([new Uint8Array([0, 1, 2, 255])], { type: 'audio/mpeg' }), 'a.mp3');
    const res = await fetch(`${fp.url}/audio/transcriptions`, { method: 'POST', body: form });
    expect(await json(res)).toEqual({ text: 'This is a fake transcription.' });
    const rec = await fp.waitFor((r) => r.path === '/v1/audio/transcriptions' && r.status === 200);
    expect(rec.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(rec.body).toContain('whisper-1');
    expect(rec.rawBody.includes(Buffer.from([0, 1, 2, 255]))).toBe(true);
    const form2 = new FormData();
    form2.append('response_format', 'text');
    form2.append('file', new Blob(['x']), 'a.mp3');
    expect(await (await fetch(`${fp.url}/audio/transcriptions`, { method: 'POST', body: form2 })).text()).toBe('This is a fake transcription.');
  });
});

describe('auth', () => {
  it('answers 401 in the caller API shape when requireKey does not match, and records the headers', async () => {
    const locked = await startFakeProvider({ requireKey: ['sk-upstream'] });
    try {
      const wrong = await fetch(`${locked.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gw-client-key' }, body: JSON.stringify(CHAT) });
      expect(wrong.status).toBe(401);
      expect((await json(wrong)).error.code).toBe('invalid_api_key');
      const anthropic = await fetch(`${locked.url}/messages`, { method: 'POST', headers: { 'x-api-key': 'nope' }, body: '{}' });
      expect(anthropic.status).toBe(401);
      expect(await json(anthropic)).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.any(String) } });
      const ok = await fetch(`${locked.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-upstream' }, body: JSON.stringify(CHAT) });
      expect(ok.status).toBe(200);
      const okX = await fetch(`${locked.url}/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-upstream' }, body: JSON.stringify({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
      expect(okX.status).toBe(200);
      expect(locked.received.map((r) => r.headers['authorization'] ?? r.headers['x-api-key'])).toEqual(['Bearer gw-client-key', 'nope', 'Bearer sk-upstream', 'sk-upstream']);
    } finally {
      await locked.close();
    }
  });

  it('requireKeyIn: the key only in that header after exactly that prefix', async () => {
    const locked = await startFakeProvider({ requireKey: 'sk-up', requireKeyIn: { header: 'Authorization', prefix: 'Token ' } });
    try {
      const call = (headers: Record<string, string>) => fetch(`${locked.url}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(CHAT) }).then((r) => r.status);
      expect(await call({ authorization: 'Token sk-up' })).toBe(200);
      expect(await call({ authorization: 'Bearer sk-up' })).toBe(401);
      expect(await call({ authorization: 'token sk-up' })).toBe(401);
      expect(await call({ 'x-api-key': 'sk-up' })).toBe(401);
    } finally {
      await locked.close();
    }
  });

  it('strictModels: a POST naming a model it does not serve gets 404 in the caller API shape', async () => {
    const strict = await startFakeProvider({ strictModels: true, models: ['gpt-4o-mini'] });
    try {
      const call = (path: string, model: string) => fetch(`${strict.url}${path}`, { method: 'POST', body: JSON.stringify({ ...CHAT, model, max_tokens: 5 }) });
      expect((await call('/chat/completions', 'gpt-4o-mini')).status).toBe(200);
      const nope = await call('/chat/completions', 'gpt-nope');
      expect(nope.status).toBe(404);
      expect((await json(nope)).error).toMatchObject({ code: 'model_not_found', message: expect.stringContaining('gpt-nope') });
      const anthropic = await call('/messages', 'claude-nope');
      expect(anthropic.status).toBe(404);
      expect(await json(anthropic)).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'model: claude-nope' } });
    } finally {
      await strict.close();
    }
  });

  it('records nothing with record: false', async () => {
    const quiet = await startFakeProvider({ record: false });
    try {
      expect((await fetch(`${quiet.url}/chat/completions`, { method: 'POST', body: JSON.stringify(CHAT) })).status).toBe(200);
      expect(quiet.received).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('flow control and shutdown', () => {
  it('streams a large response to a slow reader through backpressure', async () => {
    const res = await post('/chat/completions', { ...CHAT, stream: true }, { 'x-fake-behaviour': '{"chunks":20000}' });
    const reader = res.body!.getReader();
    let text = '';
    for (let i = 0; ; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
      if (i < 20) await new Promise((r) => setTimeout(r, 10)); // let the server's buffer fill up
    }
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(chunksOf(text)).toHaveLength(20002);
  });

  it('closes held requests on close()', async () => {
    const other = await startFakeProvider({ behaviour: { hang: true } });
    const pending = fetch(`${other.url}/chat/completions`, { method: 'POST', body: JSON.stringify(CHAT) });
    await other.waitFor(() => true);
    await other.close();
    await expect(pending).rejects.toThrow();
  });
});
