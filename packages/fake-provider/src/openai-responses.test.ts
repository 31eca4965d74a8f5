import OpenAI from 'openai';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider } from './server.js';
import { parseSse } from './sse.js';
import type { FakeProvider } from './types.js';

let fp: FakeProvider;
const ready = startFakeProvider().then((p) => (fp = p));
afterAll(async () => {
  await fp.close();
});
beforeEach(async () => {
  await ready;
  fp.reset();
});
const client = () => new OpenAI({ baseURL: fp.url, apiKey: 'sk-test', maxRetries: 0 });

describe('the Responses API streamed', () => {
  it('the SDK stream helper reads it: text deltas, one message item, a completed response with usage', async () => {
    fp.setBehaviour({ content: 'a b c', chunks: 3, promptTokens: 2 });
    const stream = client().responses.stream({ model: 'gpt-4o', input: 'hi' });
    let text = '';
    for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
    const final = await stream.finalResponse();
    expect(text).toBe('a b c');
    expect(final).toMatchObject({ id: 'resp_fake1', status: 'completed', usage: { input_tokens: 2, output_tokens: 3, total_tokens: 5 } });
    expect(final.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: 'a b c' }] }]);
  });

  it('a tool call streams its arguments; an error event after n deltas is an `error` event', async () => {
    fp.setBehaviour({ toolCall: { name: 'f', arguments: { a: 1 } }, chunks: 2 });
    const final = await client().responses.stream({ model: 'gpt-4o', input: 'hi' }).finalResponse();
    expect(final.output).toMatchObject([{ type: 'function_call', name: 'f', arguments: '{"a":1}' }]);
    fp.reset();
    fp.setBehaviour({ errorEventAfterChunks: 1 });
    const r = await fetch(`${fp.url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', input: 'x', stream: true }) });
    const events = parseSse(await r.text());
    expect(events.at(-1)!.event).toBe('error');
    expect(events.filter((e) => e.event === 'response.output_text.delta')).toHaveLength(1);
  });
});

describe('OpenAI-like validation of chat completions', () => {
  it.each([
    [{ model: 'gpt-4o' }, 'missing_required_parameter', 'messages'],
    [{ model: 'gpt-4o', messages: [] }, 'empty_array', 'messages'],
    [{ model: 'gpt-4o', messages: [{ content: 'no role' }] }, 'missing_required_parameter', 'messages[0].role'],
  ])('%j → 400 %s', async (body, code, param) => {
    const e = await client().chat.completions.create(body as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e).toMatchObject({ status: 400, code, param });
  });
});

describe('OpenAI-like validation of POST /v1/responses', () => {
  it('refuses the WebSocket-only stream_id with 400 unknown_parameter, as OpenAI does over HTTP', async () => {
    const res = await fetch(`${fp.url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream_id: 'main' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: "Unknown parameter: 'stream_id'.", type: 'invalid_request_error', param: 'stream_id', code: 'unknown_parameter' } });
    expect((await fetch(`${fp.url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) })).status).toBe(200);
  });

  it('knows only the previous_response_id values it made', async () => {
    const first = await client().responses.create({ model: 'gpt-4o', input: 'hi' });
    const next = await client().responses.create({ model: 'gpt-4o', input: 'again', previous_response_id: first.id });
    expect(next.status).toBe('completed');
    const e = await client().responses.create({ model: 'gpt-4o', input: 'x', previous_response_id: 'resp_elsewhere' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
  });
});

