import { describe, expect, it } from 'vitest';
import type { Codec } from '../../providers/codec.js';
import { feed, fixture } from './__fixtures__/fixtures.js';
import { messagesPassthrough } from '../../providers/anthropic/messages-passthrough.js';
import { chatViaMessages, messagesViaChat } from './codecs.js';

/** Relay `text` through a codec's stream; what the client gets and how many error events were reported. */
function relay(codec: Codec | undefined, text: string, model = 'm'): { out: string; errorEvents: number } {
  let errorEvents = 0;
  const s = codec!.stream!({ upstreamModel: model, publicModel: model, clientWantsUsage: true, onUsage: () => {}, onErrorEvent: () => errorEvents++ });
  return { out: feed(s, text), errorEvents };
}

describe('stream codecs report an upstream error event to the attempt', () => {
  it('OpenAI-compatible upstream, Anthropic client', () => {
    const codec = messagesViaChat;
    const r = relay(codec, 'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {"error":{"message":"boom","type":"server_error"}}\n\n');
    expect(r.errorEvents).toBe(1);
    expect(r.out).toMatch(/event: error\n/);
    expect(relay(codec, fixture('openai-chat-text.sse')).errorEvents).toBe(0);
  });

  it('Anthropic upstream, OpenAI client', () => {
    const codec = chatViaMessages;
    expect(relay(codec, fixture('anthropic-error.sse')).errorEvents).toBe(1);
    expect(relay(codec, fixture('anthropic-text.sse')).errorEvents).toBe(0);
  });

  it('Anthropic upstream, Anthropic client: the error event passes through byte for byte', () => {
    const codec = messagesPassthrough;
    const text = fixture('anthropic-error.sse');
    const r = relay(codec, text, 'claude-sonnet-4-5-20250929');
    expect(r).toEqual({ out: text, errorEvents: 1 });
    expect(relay(codec, fixture('anthropic-text.sse')).errorEvents).toBe(0);
  });
});
