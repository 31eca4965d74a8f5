import { describe, expect, it } from 'vitest';
import { Errors } from '../errors/catalog.js';
import { feed, parseEvents } from '../formats/anthropic-messages/__fixtures__/fixtures.js';
import { messagesViaChat } from '../formats/anthropic-messages/codecs.js';
import type { Usage } from '../request-context.js';
import type { Codec } from './codec.js';
import { composeCodecs } from './compose-codecs.js';
import { chatViaGemini } from './gemini/codecs.js';

/** Anthropic Messages client → chat completions → Gemini: the composition the gemini adapter serves /messages with. */
const messagesViaGemini = composeCodecs(messagesViaChat, chatViaGemini);

const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');
const TEXT_STREAM = sse(
  { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1, totalTokenCount: 10 }, responseId: 'r1' },
  { candidates: [{ content: { role: 'model', parts: [{ text: ' there' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, thoughtsTokenCount: 3, cachedContentTokenCount: 4, totalTokenCount: 14 }, responseId: 'r1' },
);

function relay(codec: Codec, clientWantsUsage = false) {
  const usages: Usage[] = [];
  let errorEvents = 0;
  const o: Parameters<NonNullable<Codec['stream']>>[0] = { upstreamModel: 'gemini-2.5-flash', publicModel: 'pub', clientWantsUsage, onUsage: (u) => usages.push(u), onErrorEvent: () => errorEvents++ };
  return { r: codec.stream!(o), usages, errors: () => errorEvents };
}

describe('composeCodecs(messagesViaChat, chatViaGemini)', () => {
  it('goes to the inner upstream and never forwards the client query', () => {
    expect(messagesViaGemini).toMatchObject({ upstream: '/generateContent', keepQuery: false });
  });

  it('converts a Messages request to chat, then to Gemini', () => {
    const body = {
      model: 'pub',
      max_tokens: 50,
      system: 'Be brief.',
      stream: true,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'cold' }] },
      ],
      tools: [{ name: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any' },
    };
    expect(JSON.parse(messagesViaGemini.requestBody!(body, 'gemini-2.5-flash'))).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }] },
        { role: 'model', parts: [{ functionCall: { id: 'toolu_1', name: 'weather', args: { city: 'Oslo' } } }] },
        { role: 'user', parts: [{ functionResponse: { id: 'toolu_1', name: 'weather', response: { output: 'cold' } } }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      tools: [{ functionDeclarations: [{ name: 'weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  it('converts a Gemini answer to a Messages one; the usage is read once, from the upstream\'s own body', () => {
    const gemini = {
      candidates: [{ content: { parts: [{ text: 'Hi' }, { functionCall: { name: 'f', args: { a: 1 } } }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 2, thoughtsTokenCount: 5, cachedContentTokenCount: 2 },
      responseId: 'r',
    };
    const { text, usage } = messagesViaGemini.responseBody!(JSON.stringify(gemini), 'pub', null);
    expect(JSON.parse(text)).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'pub',
      content: [{ type: 'text', text: 'Hi' }, { type: 'tool_use', id: expect.stringMatching(/^call_/), name: 'f', input: { a: 1 } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 2 },
    });
    expect(usage).toEqual({ promptTokens: 12, completionTokens: 7, cachedTokens: 2, estimated: false });
  });

  it('streams Messages events from Gemini events, split at every byte; usage in message_delta even when the client never asks for it', () => {
    const whole = feed(relay(messagesViaGemini).r, TEXT_STREAM, TEXT_STREAM.length);
    const { r, usages } = relay(messagesViaGemini);
    const out = feed(r, TEXT_STREAM, 1);
    expect(out).toBe(whole);
    const events = parseEvents(out);
    expect(events.map((e) => e.event)).toEqual([
      'message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text).join('')).toBe('Hello there');
    expect(events[6]!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 5, output_tokens: 5, cache_read_input_tokens: 4 } });
    expect(usages.at(-1)).toEqual({ promptTokens: 9, completionTokens: 5, cachedTokens: 4, estimated: false });
  });

  it('an error event mid-stream: reported once, an Anthropic error event, no message_stop', () => {
    const { r, errors } = relay(messagesViaGemini);
    const out = feed(r, sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }, { error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }), 5);
    expect(errors()).toBe(1);
    expect(out).not.toContain('message_stop');
    expect(out.trimEnd().split('\n\n').at(-1)).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"overloaded"}}');
  });

  it('fail: the stream ends with an Anthropic error event, never the normal ending (Gemini has no terminator to tell them apart)', () => {
    const { r } = relay(messagesViaGemini);
    const first = r.push(Buffer.from(sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }) + 'data: {"cand'))?.toString() ?? '';
    const end = r.fail!(Errors.upstreamProtocol('g'));
    expect(first).toContain('"text":"a"');
    expect(end).not.toMatch(/message_delta|message_stop/);
    expect(end.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"The upstream provider \\"g\\" closed the connection unexpectedly\."\}\}$/);
  });

  it('an error body: Gemini → OpenAI → Anthropic; errorFacts read from the upstream body (a wrong key is a 401)', () => {
    const badKey = JSON.stringify({ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } });
    expect(JSON.parse(messagesViaGemini.errorBody!(400, badKey))).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'API key not valid.' } });
    expect(messagesViaGemini.errorFacts!(400, badKey)).toEqual({ status: 401 });
    expect(composeCodecs(messagesViaChat, messagesViaChat).errorFacts).toBeUndefined();
  });
});

describe('composeCodecs with an outer codec that relays the stream as it is', () => {
  const plain: Codec = { upstream: '/chat/completions', keepQuery: false };
  const chatThrough = composeCodecs(plain, chatViaGemini);

  it('passes the inner conversion through, the usage chunk only when the client asked; usage read from inner either way', () => {
    const asked = relay(chatThrough, true);
    const chunks = parseEvents(feed(asked.r, TEXT_STREAM, 3)).map((e) => e.data);
    expect(chunks.at(-1)).toBe('[DONE]');
    expect(chunks.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 5 } });
    const silent = relay(chatThrough, false);
    expect(feed(silent.r, TEXT_STREAM, 3)).not.toContain('"usage"');
    expect(silent.usages.at(-1)).toMatchObject({ completionTokens: 5 });
  });

  it("fails with inner's failure ending", () => {
    const { r } = relay(chatThrough);
    r.push(Buffer.from(sse({ candidates: [{ content: { parts: [{ text: 'a' }] } }] })));
    expect(r.fail!(Errors.upstreamProtocol('g'))).toMatch(/^data: \{"error":\{"message":"The upstream provider/);
  });
});
