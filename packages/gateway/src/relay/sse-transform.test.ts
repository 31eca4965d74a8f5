import { describe, expect, it } from 'vitest';
import type { Usage } from '../pipeline/context.js';
import { hasUsageOrErrorObject, isErrorEvent, SseTransform } from './sse-transform.js';

const chunk = (model: string, content: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","model":"${model}","choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;
const usageChunk = (model: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","model":"${model}","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":2}}}\n\n`;

function run(t: SseTransform, parts: string[]): string {
  let out = '';
  for (const p of parts) out += t.push(Buffer.from(p))?.toString() ?? '';
  out += t.flush()?.toString() ?? '';
  return out;
}

describe('SseTransform', () => {
  it('passes events through untouched when nothing needs changing', () => {
    const usages: Usage[] = [];
    const t = new SseTransform({ upstreamModel: 'm', publicModel: 'm', dropUsageChunk: false, onUsage: (u) => usages.push(u) });
    const input = chunk('m', 'a') + chunk('m', 'b') + 'data: [DONE]\n\n';
    expect(run(t, [input])).toBe(input);
    expect(usages).toEqual([]);
  });

  it('renames the model and never splits an event across TCP reads', () => {
    const t = new SseTransform({ upstreamModel: 'up/x', publicModel: 'pub', dropUsageChunk: false, onUsage: () => {} });
    const input = chunk('up/x', 'hello') + chunk('up/x', 'world') + 'data: [DONE]\n\n';
    // split at every 7 bytes, including inside the model name and the separator
    const parts: string[] = [];
    for (let i = 0; i < input.length; i += 7) parts.push(input.slice(i, i + 7));
    const out = run(t, parts);
    expect(out).toBe(input.replaceAll('"model":"up/x"', '"model":"pub"'));
  });

  it('extracts usage and hides the usage chunk the client did not ask for', () => {
    const usages: Usage[] = [];
    const t = new SseTransform({ upstreamModel: 'm', publicModel: 'm', dropUsageChunk: true, onUsage: (u) => usages.push(u) });
    const out = run(t, [chunk('m', 'a'), usageChunk('m'), 'data: [DONE]\n\n']);
    expect(out).toBe(chunk('m', 'a') + 'data: [DONE]\n\n');
    expect(usages).toEqual([{ promptTokens: 7, completionTokens: 3, cachedTokens: 2, estimated: false }]);
  });

  it('keeps the usage chunk for a client that asked for it', () => {
    const usages: Usage[] = [];
    const t = new SseTransform({ upstreamModel: 'm', publicModel: 'p', dropUsageChunk: false, onUsage: (u) => usages.push(u) });
    const out = run(t, [chunk('m', 'a') + usageChunk('m')]);
    expect(out).toContain('"usage":{"prompt_tokens":7');
    expect(out).toContain('"model":"p"');
    expect(usages).toHaveLength(1);
  });

  it('handles CRLF separators and a last event without terminator', () => {
    const t = new SseTransform({ upstreamModel: 'a', publicModel: 'b', dropUsageChunk: false, onUsage: () => {} });
    const out = run(t, ['data: {"model":"a"}\r\n\r\n', 'data: {"model":"a"}']);
    expect(out).toBe('data: {"model":"b"}\r\n\r\ndata: {"model":"b"}');
  });

  it('finds usage written with a space after the colon, and not in "usage":null', () => {
    const usages: Usage[] = [];
    const t = new SseTransform({ upstreamModel: 'm', publicModel: 'm', dropUsageChunk: false, onUsage: (u) => usages.push(u) });
    const nullUsage = 'data: {"choices":[{"delta":{"content":"a"}}],"usage":null}\n\n';
    const spaced = 'data: {"choices":[], "usage": {"prompt_tokens": 4, "completion_tokens": 5}}\r\n\r\n';
    expect(t.push(Buffer.from(nullUsage))?.toString()).toBe(nullUsage);
    expect(t.push(Buffer.from(spaced))?.toString()).toBe(spaced);
    expect(usages).toEqual([{ promptTokens: 4, completionTokens: 5, cachedTokens: 0, estimated: false }]);
  });
});


describe('SseTransform and upstream error events', () => {
  /** Relay `parts` (TCP reads); the bytes the client gets and how many error events were reported. */
  function relay(parts: string[], upstreamModel = 'm', publicModel = 'm') {
    let errorEvents = 0;
    const t = new SseTransform({ upstreamModel, publicModel, dropUsageChunk: true, onUsage: () => {}, onErrorEvent: () => errorEvents++ });
    return { out: run(t, parts), errorEvents };
  }
  const openrouter =
    'data: {"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"m","provider":"x","error":{"code":502,"message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}\n\n';

  it('reports an error event (vLLM / LiteLLM, OpenRouter, Anthropic shapes) and relays every byte unchanged', () => {
    const shapes = [
      'data: {"error":{"message":"boom","type":"BadRequestError","param":null,"code":400}}\n\n',
      'data: {"error": {"message":"boom"}}\r\n\r\n',
      openrouter,
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    ];
    for (const ev of shapes) {
      const input = chunk('m', 'a') + ev;
      expect(relay([input]), ev).toEqual({ out: input, errorEvents: 1 });
      // Split at every 5 bytes: the event is seen whole, once.
      const parts: string[] = [];
      for (let i = 0; i < input.length; i += 5) parts.push(input.slice(i, i + 5));
      expect(relay(parts), ev).toEqual({ out: input, errorEvents: 1 });
    }
    // With the model renamed (the slow path for every event), and as an unterminated last event.
    expect(relay([chunk('up', 'a') + openrouter], 'up', 'pub')).toEqual({ out: (chunk('up', 'a') + openrouter).replaceAll('"model":"up"', '"model":"pub"'), errorEvents: 1 });
    expect(relay([chunk('m', 'a'), 'data: {"error":{"message":"x"}}'])).toEqual({ out: chunk('m', 'a') + 'data: {"error":{"message":"x"}}', errorEvents: 1 });
  });

  it('is not fooled by "error" as text, a value, null or a nested key', () => {
    const clean = [
      chunk('m', 'an \\"error\\": {} in the text'),
      'data: {"choices":[{"index":0,"delta":{"content":"error"},"finish_reason":"error"}]}\n\n',
      'data: {"object":"error","message":"old vLLM shape, no error key"}\n\n',
      'data: {"error":null,"choices":[]}\n\n',
      'event: response.created\ndata: {"type":"response.created","response":{"id":"r1","error":null}}\n\n',
      'event: response.failed\ndata: {"type":"response.failed","response":{"id":"r1","error":{"code":"server_error"}}}\n\n',
      'data: {"error":{"message":"not JSON after all"\n\n',
    ];
    for (const ev of clean) expect(relay([ev]), ev).toEqual({ out: ev, errorEvents: 0 });
    expect(relay([chunk('m', 'a') + usageChunk('m') + 'data: [DONE]\n\n']).errorEvents).toBe(0);
  });
});

describe('isErrorEvent', () => {
  it('reads the data lines of one event, with or without the space after the colon', () => {
    expect(isErrorEvent('data:{"error":{"message":"x"}}\n\n')).toBe(true);
    expect(isErrorEvent('event: error\r\ndata: {"type":"error",\r\ndata: "error":{"type":"api_error"}}\r\n\r\n')).toBe(true);
    expect(isErrorEvent('data: {"a":{"error":{}}}\n\n')).toBe(false);
    expect(isErrorEvent('data: [DONE]\n\n')).toBe(false);
  });
});

describe('hasUsageOrErrorObject', () => {
  const has = (s: string) => hasUsageOrErrorObject(Buffer.from(s));
  it('finds an error object wherever it is, and only an object', () => {
    expect(has('{"error":{}')).toBe(true);
    expect(has('data: {"id":"x","error": {"code":1}}\n\n')).toBe(true);
    expect(has('{"error":null}')).toBe(false);
    expect(has('{"object":"error","x":{}}')).toBe(false);
    expect(has('"error":{')).toBe(true);
    expect(has('"erro":{"error":{')).toBe(true);
  });
  it('finds a usage object wherever it is, and only an object', () => {
    expect(has('{"usage":{}')).toBe(true);
    expect(has('data: {"choices":[],"usage": {"prompt_tokens":1}}\n\n')).toBe(true);
    expect(has('{"x":"usage","usage":{"a":1}}')).toBe(true);
    expect(has('data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}\n\n')).toBe(false);
    expect(has('{"content":"the usage of it","usage" :{}}')).toBe(false);
    expect(has('"usage":')).toBe(false);
    expect(has('"usage":{')).toBe(true);
    expect(has('"usag":{"usage":{')).toBe(true);
    expect(has('')).toBe(false);
  });
  it('agrees with a regular expression on random bytes around the pattern', () => {
    let seed = 3;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const parts = ['"usage"', '"error"', ':', ' ', '{', 'null', '"', 'u', 'r', 'o', 'x', '"usag', 'e"', '"err', 'or"'];
    for (let i = 0; i < 4000; i++) {
      const s = Array.from({ length: rnd(12) }, () => parts[rnd(parts.length)]).join('');
      expect(has(s), s).toBe(/"(usage|error)": ?\{/.test(s));
    }
  });
});
