import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from './server.js';
import { parseSse } from './sse.js';
import type { FakeProvider } from './types.js';

/**
 * Raw SSE of our own streams, kept under __fixtures__ for other packages' relay and conversion
 * tests. This test checks the server still produces the same events (ids and times aside);
 * `UPDATE_FIXTURES=1 npx vitest run packages/fake-provider` rewrites them.
 */

const FIXTURES: { file: string; path: string; body: unknown }[] = [
  {
    file: 'openai-chat-stream-include-usage.chunks.txt',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say hello' }] },
  },
  {
    file: 'openai-chat-stream-tool-call.chunks.txt',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }], 'x-behaviour': 'tool' },
  },
  {
    file: 'anthropic-messages-stream.chunks.txt',
    path: '/v1/messages',
    body: { model: 'claude-3-5-haiku-latest', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say hello' }] },
  },
  {
    file: 'anthropic-messages-stream-tool-use.chunks.txt',
    path: '/v1/messages',
    body: { model: 'claude-3-5-haiku-latest', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }], 'x-behaviour': 'tool' },
  },
  {
    file: 'azure-chat-stream-include-usage.chunks.txt',
    path: '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21',
    body: { stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say hello' }] },
  },
  {
    file: 'gemini-stream.chunks.txt',
    path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] },
  },
  {
    file: 'gemini-stream-function-call.chunks.txt',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: {
      contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } }] }],
      'x-behaviour': 'tool',
    },
  },
];

// Gemini function calls have no id; Gemini 2.5+ signs them.
const tool = (id: string) => JSON.stringify({ toolCall: { name: 'get_weather', arguments: { city: 'Paris' }, id }, thoughtSignature: true });

/** Events with the fields that change from run to run replaced. */
function normalise(raw: string) {
  return parseSse(raw).map((e) => {
    if (e.data === '[DONE]') return e;
    const data = JSON.parse(e.data, (k, v) => (k === 'created' ? 0 : (k === 'id' || k === 'responseId') && typeof v === 'string' && !v.endsWith('_fixture') ? v.replace(/\d+$/, 'N') : v));
    return { event: e.event, data };
  });
}

let fp: FakeProvider;
beforeAll(async () => {
  fp = await startFakeProvider({ record: false });
});
afterAll(async () => {
  await fp.close();
});

async function produce(path: string, body: Record<string, unknown>): Promise<string> {
  const { 'x-behaviour': withTool, ...payload } = body;
  const res = await fetch(fp.origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(withTool ? { 'x-fake-behaviour': tool(path === '/v1/messages' ? 'toolu_fixture' : 'call_fixture') } : {}) },
    body: JSON.stringify(payload),
  });
  return res.text();
}

describe('recorded fixtures', () => {
  for (const f of FIXTURES) {
    it(`still produces ${f.file}`, async () => {
      const raw = await produce(f.path, f.body as Record<string, unknown>);
      const url = new URL(`./__fixtures__/${f.file}`, import.meta.url);
      if (process.env.UPDATE_FIXTURES) await writeFile(url, raw);
      const fixture = await readFile(url, 'utf8');
      expect(normalise(raw)).toEqual(normalise(fixture));
    });
  }

  it('OpenAI fixture: chunks share one id, content then finish then usage then [DONE]', async () => {
    const evs = parseSse(await readFile(new URL('./__fixtures__/openai-chat-stream-include-usage.chunks.txt', import.meta.url), 'utf8'));
    expect(evs.at(-1)!.data).toBe('[DONE]');
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const finishAt = chunks.findIndex((c) => c.choices[0]?.finish_reason);
    expect(finishAt).toBe(chunks.length - 2);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) } });
  });

  it('Anthropic fixture: events in protocol order, event name = data type', async () => {
    const evs = parseSse(await readFile(new URL('./__fixtures__/anthropic-messages-stream.chunks.txt', import.meta.url), 'utf8'));
    const names = evs.map((e) => e.event);
    for (const e of evs) expect(JSON.parse(e.data).type).toBe(e.event);
    // message_start, content_block_start, ping, content_block_delta+, content_block_stop, message_delta, message_stop
    expect(names.join(' ')).toMatch(/^message_start content_block_start ping (content_block_delta )+content_block_stop message_delta message_stop$/);
  });

  it('Azure fixture: a first chunk with no choices and the prompt ratings, then OpenAI chunks rated per choice', async () => {
    const evs = parseSse(await readFile(new URL('./__fixtures__/azure-chat-stream-include-usage.chunks.txt', import.meta.url), 'utf8'));
    expect(evs.at(-1)!.data).toBe('[DONE]');
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0]).toMatchObject({ choices: [], id: '', prompt_filter_results: [{ prompt_index: 0 }] });
    expect(chunks.slice(1, -1).every((c) => c.object === 'chat.completion.chunk' && 'content_filter_results' in c.choices[0])).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
  });

  it('Gemini fixtures: CRLF-framed events, no terminator, usage growing, finishReason on the last', async () => {
    const raw = await readFile(new URL('./__fixtures__/gemini-stream.chunks.txt', import.meta.url), 'utf8');
    expect(raw.endsWith('}\r\n\r\n')).toBe(true);
    const evs = parseSse(raw).map((e) => JSON.parse(e.data));
    expect(evs.map((e) => e.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3, 4, 5]);
    expect(evs.map((e) => e.candidates[0].finishReason ?? null)).toEqual([null, null, null, null, 'STOP']);
    const call = parseSse(await readFile(new URL('./__fixtures__/gemini-stream-function-call.chunks.txt', import.meta.url), 'utf8')).map((e) => JSON.parse(e.data));
    expect(call).toHaveLength(1);
    expect(call[0].candidates[0].content.parts[0]).toMatchObject({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: expect.any(String) });
  });
});
