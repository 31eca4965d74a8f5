import { afterAll, beforeEach, describe, expect, it } from 'vitest';
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

const MSG = { model: 'claude-3-5-haiku-latest', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi there' }] }] };

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(fp.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });
}

const events = async (res: Response) => parseSse(await res.text()).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));

describe('Anthropic Messages API', () => {
  it('answers a plain message', async () => {
    const body = await json(await post('/messages', MSG));
    expect(body).toEqual({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      model: 'claude-3-5-haiku-latest',
      content: [{ type: 'text', text: 'Hello from the fake provider.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 4, output_tokens: 5 },
    });
  });

  it('streams the real event sequence, each event named like its data type', async () => {
    const res = await post('/messages', { ...MSG, stream: true }, { 'x-fake-behaviour': '{"chunks":3}' });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const evs = await events(res);
    expect(evs.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of evs) expect(e.data.type).toBe(e.event);
    expect(evs[0]!.data.message).toMatchObject({ type: 'message', role: 'assistant', content: [], stop_reason: null, usage: { input_tokens: 4 } });
    expect(evs.slice(3, 6).map((e) => e.data.delta.text).join('')).toBe('Hello from the');
    expect(evs[7]!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } });
  });

  it('answers tool_use, plain and streamed with input_json_delta', async () => {
    const tool = { toolCall: { name: 'get_weather', arguments: { city: 'Paris' } } };
    fp.enqueue(tool, tool);
    const plain = await json(await post('/messages', MSG));
    expect(plain).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }] });
    expect(plain.content[0].id).toMatch(/^toolu_/);
    const evs = await events(await post('/messages', { ...MSG, stream: true }));
    expect(evs[1]!.data.content_block).toMatchObject({ type: 'tool_use', name: 'get_weather', input: {} });
    const deltas = evs.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta);
    expect(deltas.every((d) => d.type === 'input_json_delta')).toBe(true);
    expect(JSON.parse(deltas.map((d) => d.partial_json).join(''))).toEqual({ city: 'Paris' });
    expect(evs.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
  });

  it('maps finishReason length to max_tokens, and sends a value of its own as is', async () => {
    const body = await json(await post('/messages', MSG, { 'x-fake-behaviour': '{"finishReason":"length"}' }));
    expect(body.stop_reason).toBe('max_tokens');
    const own = await json(await post('/messages', MSG, { 'x-fake-behaviour': '{"finishReason":"pause_turn"}' }));
    expect(own.stop_reason).toBe('pause_turn');
  });

  it('counts tokens', async () => {
    expect(await json(await post('/messages/count_tokens', MSG))).toEqual({ input_tokens: 4 });
  });

  it('answers errors in the Anthropic shape', async () => {
    const res = await post('/messages', MSG, { 'x-fake-behaviour': '{"status":429,"retryAfter":3}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await json(res)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.any(String) } });
    const overloaded = await post('/messages', MSG, { 'x-fake-behaviour': '{"status":529}' });
    expect((await json(overloaded)).error.type).toBe('overloaded_error');
    const bad = await fetch(`${fp.url}/messages`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.type).toBe('invalid_request_error');
  });

  it('streams an error event after N deltas with errorEventAfterChunks (no message_stop)', async () => {
    const res = await post('/messages', { ...MSG, stream: true }, { 'x-fake-behaviour': '{"errorEventAfterChunks":1}' });
    expect(res.status).toBe(200);
    const evs = await events(res);
    expect(evs.filter((e) => e.event === 'content_block_delta')).toHaveLength(1);
    expect(evs.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded (fake provider).' } } });
    expect(evs.map((e) => e.event)).not.toContain('message_stop');
  });

  it('omits usage with noUsage', async () => {
    const evs = await events(await post('/messages', { ...MSG, stream: true }, { 'x-fake-behaviour': '{"noUsage":true}' }));
    expect(evs[0]!.data.message.usage).toBeUndefined();
    expect(evs.find((e) => e.event === 'message_delta')!.data.usage).toBeUndefined();
  });
});

describe('Anthropic fidelity: caching, thinking, validation', () => {
  it('reports prompt-caching usage: reads, 5m and 1h writes, outside input_tokens', async () => {
    fp.setBehaviour({ promptTokens: 7, cachedTokens: 100, cacheWrite5mTokens: 20, cacheWrite1hTokens: 30 });
    const usage = { input_tokens: 7, output_tokens: 5, cache_creation_input_tokens: 50, cache_read_input_tokens: 100, cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 } };
    expect((await json(await post('/messages', MSG))).usage).toEqual(usage);
    const evs = await events(await post('/messages', { ...MSG, stream: true }));
    expect(evs[0]!.data.message.usage).toEqual({ ...usage, output_tokens: 1 });
  });

  it('answers a signed thinking block when the request turns thinking on, plain and streamed', async () => {
    const body = { ...MSG, thinking: { type: 'enabled', budget_tokens: 1024 } };
    const plain = await json(await post('/messages', body));
    expect(plain.content).toEqual([
      { type: 'thinking', thinking: 'Let me think about this step by step.', signature: expect.stringMatching(/^Eq/) },
      { type: 'text', text: 'Hello from the fake provider.' },
    ]);
    const evs = await events(await post('/messages', { ...body, stream: true }));
    const deltas = evs.filter((e) => e.event === 'content_block_delta').map((e) => e.data);
    expect(deltas.filter((d) => d.index === 0).map((d) => d.delta.type)).toEqual(['thinking_delta', 'thinking_delta', 'signature_delta']);
    expect(deltas.filter((d) => d.delta.type === 'thinking_delta').map((d) => d.delta.thinking).join('')).toBe(plain.content[0].thinking);
    expect(deltas.find((d) => d.delta.type === 'signature_delta').delta.signature).toBe(plain.content[0].signature);
    expect(deltas.filter((d) => d.index === 1).every((d) => d.delta.type === 'text_delta')).toBe(true);
    const plainOnly = await json(await post('/messages', MSG));
    expect(plainOnly.content.map((b: { type: string }) => b.type)).toEqual(['text']);
  });

  it('scripts redacted_thinking and its own thinking text and signature', async () => {
    fp.setBehaviour({ redactedThinking: 'opaque-data', thinking: 'Hmm.', thinkingSignature: 'sig-1' });
    const plain = await json(await post('/messages', MSG));
    expect(plain.content.slice(0, 2)).toEqual([
      { type: 'redacted_thinking', data: 'opaque-data' },
      { type: 'thinking', thinking: 'Hmm.', signature: 'sig-1' },
    ]);
    const evs = await events(await post('/messages', { ...MSG, stream: true }));
    const starts = evs.filter((e) => e.event === 'content_block_start').map((e) => e.data);
    expect(starts.map((s) => [s.index, s.content_block.type])).toEqual([[0, 'redacted_thinking'], [1, 'thinking'], [2, 'text']]);
    expect(starts[0].content_block.data).toBe('opaque-data');
  });

  it('refuses what the real API refuses: empty messages, no max_tokens (count_tokens needs none)', async () => {
    const empty = await post('/messages', { ...MSG, messages: [] });
    expect(empty.status).toBe(400);
    expect(await json(empty)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'messages: at least one message is required' } });
    const { max_tokens: _drop, ...noMax } = MSG;
    expect((await post('/messages', noMax)).status).toBe(400);
    expect((await post('/messages/count_tokens', noMax)).status).toBe(200);
    expect((await post('/messages/count_tokens', { ...noMax, messages: [] })).status).toBe(400);
  });

  it('records the headers it received (anthropic-beta) for passthrough checks', async () => {
    await post('/messages', MSG, { 'anthropic-beta': 'prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11' });
    expect(fp.received.at(-1)!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11');
  });
});
