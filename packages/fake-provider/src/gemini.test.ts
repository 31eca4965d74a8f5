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

const REQ = { contents: [{ role: 'user', parts: [{ text: 'say hello to me' }] }], systemInstruction: { parts: [{ text: 'be brief' }] } };
const TOOLS = [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather of a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } }] }];

function post(path: string, body: unknown, behaviour?: object, headers: Record<string, string> = {}) {
  return fetch(`${fp.origin}/v1beta/models/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(behaviour ? { 'x-fake-behaviour': JSON.stringify(behaviour) } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const generate = (body: unknown, behaviour?: object, model = 'gemini-2.0-flash') => post(`${model}:generateContent`, body, behaviour);
const stream = (body: unknown, behaviour?: object, model = 'gemini-2.0-flash') => post(`${model}:streamGenerateContent?alt=sse`, body, behaviour);
const eventsOf = (text: string) => parseSse(text).map((e) => JSON.parse(e.data));

describe('Gemini generateContent', () => {
  it('answers a GenerateContentResponse with usageMetadata, modelVersion and responseId', async () => {
    const res = await generate(REQ);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      candidates: [{ content: { parts: [{ text: 'Hello from the fake provider.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 5, totalTokenCount: 11, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 6 }] },
      modelVersion: 'gemini-2.0-flash',
      responseId: expect.stringMatching(/^fakeResponse\d+$/),
    });
    const rec = await fp.waitFor((r) => r.status === 200);
    expect(rec).toMatchObject({ method: 'POST', path: '/v1beta/models/gemini-2.0-flash:generateContent', query: '', json: REQ });
  });

  it('maps finish reasons (length → MAX_TOKENS, content_filter → SAFETY without content) and passes its own through', async () => {
    expect((await json(await generate(REQ, { finishReason: 'length' }))).candidates[0].finishReason).toBe('MAX_TOKENS');
    const cut = (await json(await generate(REQ, { finishReason: 'content_filter' }))).candidates[0];
    expect(cut.content).toBeUndefined();
    expect(cut).toMatchObject({ finishReason: 'SAFETY', safetyRatings: expect.arrayContaining([{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }]) });
    expect((await json(await generate(REQ, { finishReason: 'RECITATION' }))).candidates[0].finishReason).toBe('RECITATION');
  });

  it('blocks a prompt with promptFeedback and no candidates (blockPrompt)', async () => {
    const body = await json(await generate(REQ, { blockPrompt: true }));
    expect(body.candidates).toBeUndefined();
    expect(body.promptFeedback).toMatchObject({ blockReason: 'SAFETY' });
    expect(body.usageMetadata).toMatchObject({ promptTokenCount: 6, totalTokenCount: 6 });
  });

  it('reports cached and thinking tokens, scripted counts, several candidates, and no usage with noUsage', async () => {
    const body = await json(await generate(REQ, { promptTokens: 100, completionTokens: 10, cachedTokens: 40, reasoningTokens: 30 }));
    expect(body.usageMetadata).toEqual({
      promptTokenCount: 100,
      candidatesTokenCount: 10,
      totalTokenCount: 140,
      cachedContentTokenCount: 40,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 100 }],
      thoughtsTokenCount: 30,
    });
    const two = await json(await generate({ ...REQ, generationConfig: { candidateCount: 2, maxOutputTokens: 50, temperature: 0.3 } }));
    expect(two.candidates.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(two.usageMetadata.candidatesTokenCount).toBe(10);
    expect((await json(await generate(REQ, { noUsage: true }))).usageMetadata).toBeUndefined();
  });

  it('reports the first configured model with echoModel off', async () => {
    expect((await json(await generate(REQ, { echoModel: false }, 'gemini-2.5-pro'))).modelVersion).toBe('gemini-2.0-flash');
  });
});

describe('Gemini streamGenerateContent', () => {
  it('streams SSE events framed by CRLF, no terminator, usage on every event growing, finishReason on the last', async () => {
    const res = await stream(REQ, { chunks: 3 });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text).toMatch(/^data: \{.*\}\r\n\r\ndata: /);
    expect(text).not.toContain('[DONE]');
    const events = eventsOf(text);
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.candidates[0].content.parts[0].text).join('')).toBe('Hello from the');
    expect(events.map((e) => e.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.candidates[0].finishReason)).toEqual([undefined, undefined, 'STOP']);
    expect(new Set(events.map((e) => e.responseId)).size).toBe(1);
    expect(events.every((e) => e.modelVersion === 'gemini-2.0-flash' && e.usageMetadata.promptTokenCount === 6)).toBe(true);
  });

  it('streams one JSON array without alt=sse', async () => {
    const res = await post('gemini-2.0-flash:streamGenerateContent', REQ, { chunks: 2 });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const array = await json(res);
    expect(array.map((e: any) => e.candidates[0].content.parts[0].text)).toEqual(['Hello', ' from']);
  });

  it('ends the SSE stream with an in-band error after N events (errorEventAfterChunks), in both framings', async () => {
    const events = eventsOf(await (await stream(REQ, { errorEventAfterChunks: 2 })).text());
    expect(events).toHaveLength(3);
    expect(events[2]).toEqual({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    const array = await json(await post('gemini-2.0-flash:streamGenerateContent', REQ, { errorEventAfterChunks: 1 }));
    expect(array).toHaveLength(2);
    expect(array[1].error.status).toBe('UNAVAILABLE');
    expect(await json(await post('gemini-2.0-flash:streamGenerateContent', REQ, { errorEventAfterChunks: 0, errorEvent: { error: { code: 500 } } }))).toEqual([{ error: { code: 500 } }]);
  });

  it('streams a SAFETY cut as a last event with no content', async () => {
    const events = eventsOf(await (await stream(REQ, { chunks: 2, finishReason: 'content_filter' })).text());
    expect(events.map((e) => e.candidates[0].finishReason)).toEqual([undefined, undefined, 'SAFETY']);
    expect(events[2].candidates[0].content).toBeUndefined();
  });

  it('goes silent after N events (stallAfterChunks) and drops after N (dropAfterChunks)', async () => {
    const ac = new AbortController();
    const res = await fetch(`${fp.origin}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-fake-behaviour': '{"stallAfterChunks":1}' },
      body: JSON.stringify(REQ),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const first = Buffer.from((await reader.read()).value).toString();
    expect(eventsOf(first)).toHaveLength(1);
    const more = await Promise.race([reader.read().then(() => 'more', () => 'aborted'), new Promise((r) => setTimeout(() => r('silent'), 200))]);
    expect(more).toBe('silent');
    ac.abort();
    await fp.waitFor((r) => r.aborted);
    await expect((await stream(REQ, { dropAfterChunks: 1 })).text()).rejects.toThrow();
    await fp.waitFor((r) => r.dropped);
  });

  it('waits headersDelayMs, hangs with hang, and takes enqueued behaviours in order', async () => {
    const t0 = Date.now();
    expect((await stream(REQ, { headersDelayMs: 150 })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const err = await fetch(`${fp.origin}/v1beta/models/gemini-2.0-flash:generateContent`, { method: 'POST', headers: { 'x-fake-behaviour': '{"hang":true}' }, body: JSON.stringify(REQ), signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await fp.waitFor((r) => r.aborted);
    fp.enqueue({ status: 500 }, { content: 'queued' });
    expect((await generate(REQ)).status).toBe(500);
    expect((await json(await generate(REQ))).candidates[0].content.parts[0].text).toBe('queued');
  });
});

describe('Gemini function calling', () => {
  it('answers a functionCall part (with a thoughtSignature when asked), plain and streamed whole in one event', async () => {
    const tool = { toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, thoughtSignature: true };
    const plain = await json(await generate({ ...REQ, tools: TOOLS, toolConfig: { functionCallingConfig: { mode: 'AUTO' } } }, tool));
    expect(plain.candidates[0]).toEqual({
      content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: expect.any(String) }], role: 'model' },
      finishReason: 'STOP',
      index: 0,
    });
    const events = eventsOf(await (await stream({ ...REQ, tools: TOOLS }, { toolCall: 'get_weather' })).text());
    expect(events).toHaveLength(1);
    expect(events[0].candidates[0]).toMatchObject({ content: { parts: [{ functionCall: { name: 'get_weather', args: { input: 'fake' } } }] }, finishReason: 'STOP' });
  });

  it('takes the functionCall and functionResponse turns back and answers them', async () => {
    const history = {
      contents: [
        { role: 'user', parts: [{ text: 'weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }] },
      ],
      tools: TOOLS,
    };
    const res = await generate(history, { content: 'It is 21 degrees.' });
    expect(res.status).toBe(200);
    expect((await json(res)).candidates[0].content.parts).toEqual([{ text: 'It is 21 degrees.' }]);
  });

  it('refuses function turns out of order, as Gemini does', async () => {
    const orphan = { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: {} } }] }] };
    const res = await generate(orphan);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toEqual({ code: 400, message: 'Please ensure that function response turn comes immediately after a function call turn.', status: 'INVALID_ARGUMENT' });
    const twoCalls = { role: 'model', parts: [{ functionCall: { name: 'a', args: {} } }, { functionCall: { name: 'b', args: {} } }] };
    const oneAnswer = { contents: [REQ.contents[0], twoCalls, { role: 'user', parts: [{ functionResponse: { name: 'a', response: {} } }] }] };
    expect((await json(await generate(oneAnswer))).error.message).toMatch(/number of function response parts is equal to the number of function call parts/);
  });
});

describe('Gemini errors', () => {
  it('answers scripted statuses with the Google error shape; 429 gives its delay in RetryInfo, not Retry-After', async () => {
    const expected: [number, string][] = [[400, 'INVALID_ARGUMENT'], [403, 'PERMISSION_DENIED'], [404, 'NOT_FOUND'], [500, 'INTERNAL'], [503, 'UNAVAILABLE'], [504, 'DEADLINE_EXCEEDED']];
    for (const [status, grpc] of expected) {
      const res = await generate(REQ, { status });
      expect(res.status).toBe(status);
      expect(await json(res)).toEqual({ error: { code: status, message: expect.any(String), status: grpc } });
    }
    const limited = await generate(REQ, { status: 429, retryAfter: 34 });
    expect(limited.headers.get('retry-after')).toBeNull();
    const body = await json(limited);
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' });
  });

  it('refuses what Gemini refuses: unknown fields, bad roles, empty parts, malformed JSON', async () => {
    const cases: [unknown, RegExp][] = [
      [{ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] }, /^Invalid JSON payload received\. Unknown name "messages"/],
      [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /^Please use a valid role: user, model\.$/],
      [{ contents: [{ role: 'user', parts: [] }] }, /contents\.parts must not be empty/],
      [{ contents: [{ role: 'user', parts: [{ foo: 1 }] }] }, /required oneof field 'data'/],
      [{ contents: [] }, /contents is not specified/],
      ['{"contents":', /could not parse/],
    ];
    for (const [body, message] of cases) {
      const res = await generate(body);
      expect(res.status).toBe(400);
      const e = (await json(res)).error;
      expect(e.status).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(message);
    }
  });

  it('strictModels: a model it does not serve gets 404 NOT_FOUND; an unknown method too', async () => {
    const strict = await startFakeProvider({ strictModels: true, geminiModels: ['gemini-2.5-flash'] });
    try {
      const call = (target: string) => fetch(`${strict.origin}/v1beta/models/${target}`, { method: 'POST', body: JSON.stringify(REQ) });
      expect((await call('gemini-2.5-flash:generateContent')).status).toBe(200);
      const nope = await call('gemini-nope:generateContent');
      expect(nope.status).toBe(404);
      expect((await json(nope)).error).toEqual({ code: 404, message: expect.stringMatching(/^models\/gemini-nope is not found for API version v1beta/), status: 'NOT_FOUND' });
      expect((await call('gemini-2.5-flash:fly')).status).toBe(404);
    } finally {
      await strict.close();
    }
  });

  it('requireKey: no key → 403 PERMISSION_DENIED, a wrong key → 400 API_KEY_INVALID; x-goog-api-key or ?key= pass', async () => {
    const locked = await startFakeProvider({ requireKey: 'g-key' });
    try {
      const call = (query: string, headers: Record<string, string> = {}) =>
        fetch(`${locked.origin}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse${query}`, { method: 'POST', headers, body: JSON.stringify(REQ) });
      const none = await call('', { authorization: 'Bearer g-key' });
      expect(none.status).toBe(403);
      expect((await json(none)).error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED', message: expect.stringContaining('unregistered callers') });
      const wrong = await call('', { 'x-goog-api-key': 'nope' });
      expect(wrong.status).toBe(400);
      expect((await json(wrong)).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }, expect.anything()] });
      expect((await call('', { 'x-goog-api-key': 'g-key' })).status).toBe(200);
      expect((await call('&key=g-key')).status).toBe(200);
      expect(locked.received.map((r) => r.status)).toEqual([403, 400, 200, 200]);
    } finally {
      await locked.close();
    }
  });
});

describe('Gemini models, countTokens, embeddings', () => {
  it('lists the models and answers one, 404 for an unknown one', async () => {
    const list = await json(await fetch(`${fp.origin}/v1beta/models`));
    expect(list.models.map((m: { name: string }) => m.name)).toEqual(['models/gemini-2.0-flash', 'models/gemini-2.5-flash', 'models/gemini-2.5-pro', 'models/gemini-embedding-001']);
    expect(list.models[0]).toMatchObject({ supportedGenerationMethods: expect.arrayContaining(['generateContent']), inputTokenLimit: expect.any(Number) });
    expect(await json(await fetch(`${fp.origin}/v1beta/models/gemini-2.5-pro`))).toMatchObject({ name: 'models/gemini-2.5-pro', displayName: 'Gemini 2.5 Pro' });
    const missing = await fetch(`${fp.origin}/v1beta/models/nope`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.status).toBe('NOT_FOUND');
  });

  it('counts tokens and embeds, one or in a batch', async () => {
    expect(await json(await post('gemini-2.0-flash:countTokens', { contents: REQ.contents }))).toEqual({ totalTokens: 4, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 4 }] });
    const one = await json(await post('gemini-embedding-001:embedContent', { content: { parts: [{ text: 'hello' }] }, outputDimensionality: 4 }));
    expect(one).toEqual({ embedding: { values: Array.from(fakeVector('hello', 4)) } });
    const batch = await json(await post('gemini-embedding-001:batchEmbedContents', { requests: ['a', 'b'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] } })) }));
    expect(batch.embeddings.map((e: { values: number[] }) => e.values.length)).toEqual([8, 8]);
  });
});
