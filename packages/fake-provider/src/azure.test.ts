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

const V = 'api-version=2024-10-21';
// Azure needs no `model` in the body: the URL names the deployment.
const CHAT = { messages: [{ role: 'user', content: 'say hello to me' }] };
const SAFE = { filtered: false, severity: 'safe' };

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(fp.origin + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
const chat = (body: unknown, behaviour?: object, deployment = 'gpt-4o') =>
  post(`/openai/deployments/${deployment}/chat/completions?${V}`, body, behaviour ? { 'x-fake-behaviour': JSON.stringify(behaviour) } : {});
const chunksOf = (text: string) =>
  parseSse(text)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data));

describe('Azure OpenAI chat completions', () => {
  it('answers OpenAI-shaped with the deployment model, content-filter annotations and a usage breakdown', async () => {
    const res = await chat(CHAT);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-2024-11-20',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello from the fake provider.' },
          finish_reason: 'stop',
          content_filter_results: { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE },
        },
      ],
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: { jailbreak: { filtered: false, detected: false }, violence: SAFE } }],
      usage: {
        prompt_tokens: 4,
        completion_tokens: 5,
        total_tokens: 9,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    const rec = await fp.waitFor((r) => r.status === 200);
    expect(rec).toMatchObject({ method: 'POST', path: '/openai/deployments/gpt-4o/chat/completions', query: V, json: CHAT });
  });

  it('streams a first chunk with no choices and the prompt ratings, then OpenAI chunks with per-choice ratings', async () => {
    const res = await chat({ ...CHAT, stream: true, stream_options: { include_usage: true } }, { chunks: 3 });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const chunks = chunksOf(text);
    expect(chunks[0]).toEqual({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [expect.objectContaining({ prompt_index: 0 })] });
    expect(chunks[1]).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-4o-2024-11-20', choices: [{ delta: { role: 'assistant' }, content_filter_results: {} }] });
    const content = chunks.slice(2, 5);
    expect(content.map((c) => c.choices[0].delta.content).join('')).toBe('Hello from the');
    expect(content.every((c) => c.choices[0].content_filter_results.violence.filtered === false)).toBe(true);
    expect(chunks[5].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop', content_filter_results: {} });
    expect(chunks[6]).toMatchObject({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } });
  });

  it('answers a tool call, plain and streamed', async () => {
    const tool = { toolCall: { name: 'get_weather', arguments: { city: 'Paris' } } };
    const plain = await json(await chat(CHAT, tool));
    expect(plain.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } });
    const chunks = chunksOf(await (await chat({ ...CHAT, stream: true }, tool)).text());
    expect(chunks[1].choices[0].delta.tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(chunks.slice(2, -1).map((c) => c.choices[0].delta.tool_calls[0].function.arguments).join('')).toBe('{"city":"Paris"}');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('reports cached and reasoning tokens, and scripted counts', async () => {
    const body = await json(await chat(CHAT, { promptTokens: 100, completionTokens: 10, cachedTokens: 60, reasoningTokens: 7 }));
    expect(body.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 17,
      total_tokens: 117,
      prompt_tokens_details: { cached_tokens: 60, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 7, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect((await json(await chat(CHAT, { noUsage: true }))).usage).toBeUndefined();
  });

  it('serves the deployments it is given; any other answers 404 DeploymentNotFound', async () => {
    const own = await startFakeProvider({ azureDeployments: { 'prod-chat': 'gpt-4.1-2025-04-14' } });
    try {
      const ok = await fetch(`${own.origin}/openai/deployments/prod-chat/chat/completions?${V}`, { method: 'POST', body: JSON.stringify({ ...CHAT, model: 'ignored' }) });
      expect((await json(ok)).model).toBe('gpt-4.1-2025-04-14');
      const missing = await fetch(`${own.origin}/openai/deployments/gpt-4o/chat/completions?${V}`, { method: 'POST', body: JSON.stringify(CHAT) });
      expect(missing.status).toBe(404);
      expect(await json(missing)).toEqual({ error: { code: 'DeploymentNotFound', message: expect.stringContaining('deployment for this resource does not exist') } });
    } finally {
      await own.close();
    }
  });
  it('ignores strictModels and the body model: the deployment decides', async () => {
    const strict = await startFakeProvider({ strictModels: true, models: ['gpt-4o-mini'] });
    try {
      const res = await fetch(`${strict.origin}/openai/deployments/gpt-4o/chat/completions?${V}`, { method: 'POST', body: JSON.stringify({ ...CHAT, model: 'whatever' }) });
      expect(res.status).toBe(200);
      expect((await json(res)).model).toBe('gpt-4o-2024-11-20');
    } finally {
      await strict.close();
    }
  });

  it('waits headersDelayMs and paces chunks by chunkDelayMs', async () => {
    const t0 = Date.now();
    await (await chat({ ...CHAT, stream: true }, { headersDelayMs: 100, chunks: 3, chunkDelayMs: 30 })).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100 + 6 * 30 - 10); // prompt ratings, role, 3 pieces, finish, [DONE]: 6 gaps
  });
});

describe('Azure content filter', () => {
  it('refuses a prompt with 400 content_filter and the inner ResponsibleAIPolicyViolation (blockPrompt)', async () => {
    const res = await chat(CHAT, { blockPrompt: true });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      error: {
        message: expect.stringContaining("triggering Azure OpenAI's content management policy"),
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: {
          code: 'ResponsibleAIPolicyViolation',
          content_filter_result: { hate: SAFE, jailbreak: { filtered: true, detected: true }, self_harm: SAFE, sexual: SAFE, violence: SAFE },
        },
      },
    });
  });

  it('cuts a completion with finish_reason content_filter and the filtered category, plain and streamed', async () => {
    const plain = await json(await chat(CHAT, { finishReason: 'content_filter' }));
    expect(plain.choices[0]).toMatchObject({ finish_reason: 'content_filter', content_filter_results: { violence: { filtered: true, severity: 'medium' } } });
    const last = chunksOf(await (await chat({ ...CHAT, stream: true }, { finishReason: 'content_filter' })).text()).at(-1);
    expect(last.choices[0]).toMatchObject({ finish_reason: 'content_filter', content_filter_results: { violence: { filtered: true, severity: 'medium' }, hate: SAFE } });
  });
});

describe('Azure errors', () => {
  it('answers 404 Resource not found without api-version, and for a path it does not know', async () => {
    for (const path of ['/openai/deployments/gpt-4o/chat/completions', `/openai/deployments/gpt-4o/nope?${V}`]) {
      const res = await post(path, CHAT);
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({ error: { code: '404', message: 'Resource not found' } });
    }
  });

  it('answers 429 with retry-after and retry-after-ms, and the front end shape for server errors', async () => {
    const res = await chat(CHAT, { status: 429, retryAfter: 6 });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('6');
    expect(res.headers.get('retry-after-ms')).toBe('6000');
    expect(await json(res)).toEqual({ error: { code: '429', message: expect.stringContaining('Please retry after 6 seconds') } });
    expect(await json(await chat(CHAT, { status: 500 }))).toEqual({ error: { code: 'InternalServerError', message: expect.any(String) } });
    expect(await json(await chat(CHAT, { status: 503 }))).toEqual({ error: { code: 'ServiceUnavailable', message: expect.any(String) } });
  });

  it("answers a malformed body in OpenAI's own shape, as the model service does", async () => {
    const res = await post(`/openai/deployments/gpt-4o/chat/completions?${V}`, '{"messages":');
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_json' } });
  });

  it('ends a stream with an in-band error event after N chunks (errorEventAfterChunks), no [DONE]', async () => {
    const text = await (await chat({ ...CHAT, stream: true }, { errorEventAfterChunks: 1 })).text();
    expect(text).not.toContain('[DONE]');
    const chunks = chunksOf(text);
    expect(chunks.filter((c) => c.choices?.[0]?.delta?.content)).toHaveLength(1);
    expect(chunks.at(-1)).toEqual({ error: { code: 'InternalServerError', message: 'The model failed while generating (fake provider).' } });
  });

  it('drops the connection after N chunks (dropAfterChunks)', async () => {
    const res = await chat({ ...CHAT, stream: true }, { dropAfterChunks: 2 });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const rec = await fp.waitFor((r) => r.dropped);
    expect(rec.path).toBe('/openai/deployments/gpt-4o/chat/completions');
  });
});

describe('Azure completions, embeddings, responses', () => {
  it('answers legacy completions with the annotations, plain and streamed', async () => {
    const url = `/openai/deployments/gpt-4o-mini/completions?${V}`;
    const plain = await json(await post(url, { prompt: 'once upon' }));
    expect(plain).toMatchObject({ object: 'text_completion', model: 'gpt-4o-mini-2024-07-18', choices: [{ text: 'Hello from the fake provider.', content_filter_results: { hate: SAFE } }], prompt_filter_results: [{ prompt_index: 0 }] });
    const chunks = chunksOf(await (await post(url, { prompt: 'p', stream: true })).text());
    expect(chunks[0].prompt_filter_results).toHaveLength(1);
    expect(chunks.slice(1).map((c) => c.choices[0].text).join('')).toBe('Hello from the fake provider.');
  });

  it('answers embeddings with the deployment model and no content filter', async () => {
    const body = await json(await post(`/openai/deployments/text-embedding-3-small/embeddings?${V}`, { input: ['a', 'b'], dimensions: 4 }, { 'x-fake-behaviour': '{"blockPrompt":true}' }));
    expect(body).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 2, total_tokens: 2 } });
    expect(body.data.map((d: { embedding: number[] }) => d.embedding)).toEqual([Array.from(fakeVector('a', 4)), Array.from(fakeVector('b', 4))]);
  });

  it('answers the Responses API at /openai/responses, the body naming the deployment', async () => {
    const ok = await json(await post(`/openai/responses?api-version=2025-04-01-preview`, { model: 'gpt-4o', input: 'hi there' }));
    expect(ok).toMatchObject({ object: 'response', model: 'gpt-4o-2024-11-20', output: [{ type: 'message', content: [{ text: 'Hello from the fake provider.' }] }] });
    const missing = await post(`/openai/responses?api-version=2025-04-01-preview`, { model: 'nope', input: 'x' });
    expect((await json(missing)).error.code).toBe('DeploymentNotFound');
  });
});

describe('Azure auth', () => {
  it('takes the key as api-key or as a Bearer token; 401 in the Azure shape otherwise', async () => {
    const locked = await startFakeProvider({ requireKey: 'az-key' });
    try {
      const call = (headers: Record<string, string>) => fetch(`${locked.origin}/openai/deployments/gpt-4o/chat/completions?${V}`, { method: 'POST', headers, body: JSON.stringify(CHAT) });
      for (const headers of [{}, { 'api-key': 'wrong' }, { 'x-api-key': 'az-key' }] as Record<string, string>[]) {
        const res = await call(headers);
        expect(res.status).toBe(401);
        expect(await json(res)).toEqual({ error: { code: '401', message: expect.stringContaining('Access denied due to invalid subscription key') } });
      }
      expect((await call({ 'api-key': 'az-key' })).status).toBe(200);
      expect((await call({ authorization: 'Bearer az-key' })).status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
