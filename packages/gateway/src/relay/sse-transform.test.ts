import { describe, expect, it } from 'vitest';
import type { Usage } from '../pipeline/context.js';
import { hasUsageObject, SseTransform } from './sse-transform.js';

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


describe('hasUsageObject', () => {
  const has = (s: string) => hasUsageObject(Buffer.from(s));
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
    const parts = ['"usage"', ':', ' ', '{', 'null', '"', 'u', 'x', '"usag', 'e"'];
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: rnd(12) }, () => parts[rnd(parts.length)]).join('');
      expect(has(s), s).toBe(/"usage": ?\{/.test(s));
    }
  });
});
