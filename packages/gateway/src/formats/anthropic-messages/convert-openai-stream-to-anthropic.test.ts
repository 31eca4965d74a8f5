import { describe, expect, it } from 'vitest';
import { Errors } from '../../errors/catalog.js';
import type { Usage } from '../../request-context.js';
import { feed, fixture, parseEvents } from './__fixtures__/fixtures.js';
import { OpenaiToAnthropicStream } from './convert-openai-stream-to-anthropic.js';

function convert(name: string, size?: number) {
  const usages: Usage[] = [];
  const t = new OpenaiToAnthropicStream({ publicModel: 'claude-public', onUsage: (u) => usages.push(u) });
  const events = parseEvents(feed(t, fixture(name), size));
  return { events, usages, types: events.map((e) => e.event) };
}

describe('OpenaiToAnthropicStream', () => {
  it('turns a text stream into message_start, one text block, message_delta with usage, message_stop', () => {
    const { events, usages, types } = convert('openai-chat-text.sse');
    expect(types).toEqual([
      'message_start', 'ping', 'content_block_start',
      'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    expect(events[0]!.data.message).toMatchObject({ id: 'msg_AxTe9k2', type: 'message', role: 'assistant', model: 'claude-public', content: [] });
    expect(events[2]!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const text = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text).join('');
    expect(text).toBe('Hello! How can I help you today?');
    expect(events[9]!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 15, output_tokens: 10, cache_read_input_tokens: 4 },
    });
    expect(usages.at(-1)).toEqual({ promptTokens: 19, completionTokens: 10, cachedTokens: 4, estimated: false });
  });

  it('turns tool calls into tool_use blocks with input_json_delta, one block at a time', () => {
    const { events, types } = convert('openai-chat-tool-calls.sse', 13);
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data);
    expect(starts).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_R4aVqG', name: 'get_weather', input: {} } },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_Z8kPq1', name: 'get_weather', input: {} } },
    ]);
    const json = (i: number) => events.filter((e) => e.event === 'content_block_delta' && e.data.index === i).map((e) => e.data.delta.partial_json).join('');
    expect(JSON.parse(json(1))).toEqual({ location: 'Paris' });
    expect(JSON.parse(json(2))).toEqual({ location: 'Tokyo' });
    // Each block is stopped before the next one starts.
    const order = events.filter((e) => e.event === 'content_block_start' || e.event === 'content_block_stop').map((e) => `${e.event === 'content_block_start' ? '+' : '-'}${e.data.index}`);
    expect(order).toEqual(['+0', '-0', '+1', '-1', '+2', '-2']);
    const delta = events.find((e) => e.event === 'message_delta')!.data;
    expect(delta.delta.stop_reason).toBe('tool_use');
    expect(delta.usage).toEqual({ input_tokens: 82, output_tokens: 41 });
    expect(types.at(-1)).toBe('message_stop');
  });

  it('streams reasoning_content as a thinking block and closes a stream that never sent [DONE]', () => {
    const { events, types, usages } = convert('openai-chat-reasoning.sse', 5);
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block.type);
    expect(starts).toEqual(['thinking', 'text']);
    const thinking = events.filter((e) => e.data.delta?.type === 'thinking_delta').map((e) => e.data.delta.thinking).join('');
    expect(thinking).toBe('The user\u00a0asks 2+2.'); // the multi-byte character survived being cut in two
    expect(events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('max_tokens');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(usages).toEqual([]);
  });

  it('ends with an Anthropic error event (no message_stop) when the upstream fails mid-stream', () => {
    const t = new OpenaiToAnthropicStream({ publicModel: 'm', onUsage: () => {} });
    const text = fixture('openai-chat-text.sse').split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
    let out = t.push(Buffer.from(text)) ?? '';
    out += t.fail(Errors.upstreamTimeout('p', 'idle between chunks'));
    const events = parseEvents(out.toString());
    expect(events.map((e) => e.event)).not.toContain('message_stop');
    expect(events.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'timeout_error', message: 'The upstream provider "p" timed out (idle between chunks).' } } });
  });

  it('turns an in-stream OpenAI error object into an Anthropic error event, and reports it', () => {
    let reported = 0;
    const t = new OpenaiToAnthropicStream({ publicModel: 'm', onUsage: () => {}, onErrorEvent: () => reported++ });
    const events = parseEvents(feed(t, 'data: {"error":{"message":"boom","type":"server_error"}}\n\ndata: [DONE]\n\n'));
    expect(events).toEqual([{ event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'boom' } } }]);
    expect(reported).toBe(1);
  });

  it('reports no error event for a stream that has none', () => {
    let reported = 0;
    const t = new OpenaiToAnthropicStream({ publicModel: 'm', onUsage: () => {}, onErrorEvent: () => reported++ });
    feed(t, fixture('openai-chat-text.sse'));
    expect(reported).toBe(0);
  });
});
