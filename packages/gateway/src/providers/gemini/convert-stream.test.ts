import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Errors } from '../../errors/catalog.js';
import { feed, parseEvents } from '../../formats/anthropic-messages/__fixtures__/fixtures.js';
import type { Usage } from '../../request-context.js';
import { GeminiToChatStream } from './convert-stream.js';

/** Raw SSE recorded from the fake provider's Gemini imitation (its fixtures.test.ts keeps them current). */
const recorded = (name: string) => readFileSync(new URL(`../../../../fake-provider/src/__fixtures__/${name}`, import.meta.url), 'utf8');

const sse = (...events: unknown[]) => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\r\n\r\n`).join('');

function run(text: string, o: { includeUsage?: boolean; size?: number } = {}) {
  const usages: Usage[] = [];
  let errorEvents = 0;
  const t = new GeminiToChatStream({ publicModel: 'pub', includeUsage: o.includeUsage ?? false, onUsage: (u) => usages.push(u), onErrorEvent: () => errorEvents++, created: 1700000000 });
  const out = feed(t, text, o.size ?? text.length);
  return { out, chunks: parseEvents(out).map((e) => e.data), usages, errorEvents };
}

describe('GeminiToChatStream', () => {
  it('a text stream: a role chunk, content deltas, a finish chunk, [DONE]; usage reported from every event, the last one counting', () => {
    const { out, chunks, usages } = run(recorded('gemini-stream.chunks.txt'));
    expect(chunks[0]).toEqual({
      id: 'chatcmpl-fakeResponse6', object: 'chat.completion.chunk', created: 1700000000, model: 'pub',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    expect(chunks.slice(1, -2).map((c) => c.choices[0].delta.content).join('')).toBe('Hello from the fake provider.');
    expect(chunks.at(-2).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks.at(-1)).toBe('[DONE]');
    expect(out).not.toContain('"usage"');
    expect(usages.map((u) => u.completionTokens)).toEqual([1, 2, 3, 4, 5]);
    expect(usages.at(-1)).toEqual({ promptTokens: 2, completionTokens: 5, cachedTokens: 0, estimated: false });
  });

  it('gives the same output whatever the reads: split at every byte, every few bytes, whole', () => {
    const text = recorded('gemini-stream.chunks.txt');
    const whole = run(text).out;
    for (const size of [1, 2, 3, 5, 7, 13, 64, 300]) expect(run(text, { size }).out, `reads of ${size} bytes`).toBe(whole);
  });

  it('the usage chunk (choices: []) before [DONE] when the client asked for it, with the last totals', () => {
    const { chunks } = run(recorded('gemini-stream.chunks.txt'), { includeUsage: true, size: 1 });
    expect(chunks.at(-2)).toEqual({
      id: 'chatcmpl-fakeResponse6', object: 'chat.completion.chunk', created: 1700000000, model: 'pub', choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('a function call: one tool_calls delta (id, name, whole arguments, thought signature), finish_reason tool_calls', () => {
    for (const size of [1, 4, 1000]) {
      const { chunks } = run(recorded('gemini-stream-function-call.chunks.txt'), { size });
      const deltas = chunks.filter((c) => c !== '[DONE]').map((c) => [c.choices[0].delta, c.choices[0].finish_reason]);
      expect(deltas).toEqual([
        [{ role: 'assistant', content: '' }, null],
        [
          {
            tool_calls: [
              {
                index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                extra_content: { google: { thought_signature: 'ZmFrZS10aG91Z2h0LXNpZ25hdHVyZQ==' } },
              },
            ],
          },
          null,
        ],
        [{}, 'tool_calls'],
      ]);
    }
  });

  it('thoughts as reasoning_content; several candidates as several choices, each with its role chunk, tool indexes and finish', () => {
    const { chunks } = run(
      sse(
        { candidates: [{ index: 0, content: { parts: [{ text: 'hmm', thought: true }] } }, { index: 1, content: { parts: [{ text: 'B' }] } }], responseId: 'r' },
        { candidates: [{ index: 0, content: { parts: [{ text: 'A' }] }, finishReason: 'MAX_TOKENS' }, { index: 1, content: { parts: [{ functionCall: { name: 'f', args: { x: 1 } } }, { functionCall: { name: 'g', args: {} } }] }, finishReason: 'STOP' }] },
      ),
      { size: 3 },
    );
    const rows = chunks.filter((c) => c !== '[DONE]').map((c) => [c.choices[0].index, c.choices[0].delta, c.choices[0].finish_reason]);
    expect(rows).toEqual([
      [0, { role: 'assistant', content: '' }, null],
      [0, { reasoning_content: 'hmm' }, null],
      [1, { role: 'assistant', content: '' }, null],
      [1, { content: 'B' }, null],
      [0, { content: 'A' }, null],
      [0, {}, 'length'],
      [1, { tool_calls: [{ index: 0, id: expect.any(String), type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] }, null],
      [1, { tool_calls: [{ index: 1, id: expect.any(String), type: 'function', function: { name: 'g', arguments: '{}' } }] }, null],
      [1, {}, 'tool_calls'],
    ]);
  });

  it('a SAFETY cut ends as content_filter; a stream that ends without a finishReason is finished as stop', () => {
    const cut = run(sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }, { candidates: [{ finishReason: 'SAFETY', index: 0 }] })).chunks;
    expect(cut.at(-2).choices[0]).toMatchObject({ delta: {}, finish_reason: 'content_filter' });
    const open = run(sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }] })).chunks;
    expect(open.slice(-2)).toEqual([expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: 'stop' })] }), '[DONE]']);
    const empty = run('').chunks;
    expect(empty.map((c) => (c === '[DONE]' ? c : [c.choices[0].delta, c.choices[0].finish_reason]))).toEqual([[{ role: 'assistant', content: '' }, null], [{}, 'stop'], '[DONE]']);
  });

  it('a blocked prompt: a refusal delta and a content_filter finish; usage of the prompt', () => {
    const { chunks, usages } = run(sse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 6, totalTokenCount: 6 }, responseId: 'b' }), { includeUsage: true });
    expect(chunks.map((c) => (c === '[DONE]' ? c : c.choices[0] ? [c.choices[0].delta, c.choices[0].finish_reason] : c.usage))).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ refusal: 'Gemini blocked the prompt (blockReason SAFETY).' }, null],
      [{}, 'content_filter'],
      expect.objectContaining({ prompt_tokens: 6, completion_tokens: 0 }),
      '[DONE]',
    ]);
    expect(usages).toEqual([{ promptTokens: 6, completionTokens: 0, cachedTokens: 0, estimated: false }]);
  });

  it('an error event: reported, passed on as an OpenAI error chunk, and the end of the stream (no [DONE])', () => {
    const text = sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }], responseId: 'e' }, { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }, { candidates: [{ content: { parts: [{ text: 'late' }] } }] });
    const { out, errorEvents } = run(text, { size: 2 });
    expect(errorEvents).toBe(1);
    expect(out).not.toContain('[DONE]');
    expect(out).not.toContain('late');
    expect(out.trimEnd().split('\n\n').at(-1)).toBe('data: {"error":{"message":"The model is overloaded.","type":"server_error","param":null,"code":"unavailable"}}');
  });

  it('fail: what arrived whole, then an OpenAI error chunk, no finish and no [DONE]', () => {
    const t = new GeminiToChatStream({ publicModel: 'pub', includeUsage: true, onUsage: () => {}, onErrorEvent: () => {} });
    const first = t.push(Buffer.from(sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }], responseId: 'f' }) + 'data: {"candidates":[{"cont'));
    const end = t.fail(Errors.upstreamProtocol('g'));
    expect(first).toContain('"content":"a"');
    expect(end).toBe(`data: {"error":{"message":"The upstream provider \\"g\\" closed the connection unexpectedly.","type":"server_error","param":null,"code":"upstream_error"}}\n\n`);
    expect(t.flush()).toBeNull();
  });
});
