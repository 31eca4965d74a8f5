import { describe, expect, it } from 'vitest';
import type { Usage } from '../request-context.js';
import { extractUsage } from './extract-usage.js';
import { isErrorEvent, keyObjectAt, SseTransform } from './sse-transform.js';

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

  it('cuts only the dropped usage event out of the bytes, whatever the framing, as an event-by-event reference does', () => {
    // The reference: split into events, read usage from each, drop the usage-only ones.
    const reference = (input: string, drop: boolean): { out: string; usages: Usage[] } => {
      const usages: Usage[] = [];
      let out = '';
      for (const ev of input.split(/(?<=\r?\n\r?\n)/)) {
        const u = ev.includes('"usage"') ? extractUsage(ev) : null;
        if (u) {
          usages.push(u);
          if (drop && /"choices"\s*:\s*\[\s*\]/.test(ev)) continue;
        }
        out += ev;
      }
      return { out, usages };
    };
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const events = [
      (nl: string) => `data: {"choices":[{"delta":{"content":"é${rnd(9)}"}}]}${nl}${nl}`,
      (nl: string) => `data: {"choices":[],"usage":{"prompt_tokens":${rnd(50)},"completion_tokens":${rnd(50)}}}${nl}${nl}`,
      (nl: string) => `data: {"choices":[{"delta":{}}], "usage": {"prompt_tokens":${rnd(50)},"completion_tokens":2}}${nl}${nl}`,
      (nl: string) => `data: {"choices":[{"delta":{"content":"usage"}}],"usage":null}${nl}${nl}`,
      (nl: string) => `: keep-alive${nl}${nl}`,
      (nl: string) => `event: x${nl}data: {"choices": [ ], "usage":{"prompt_tokens":1}}${nl}${nl}`,
      () => 'data: [DONE]\n\n',
    ];
    for (let i = 0; i < 400; i++) {
      const nl = rnd(3) === 0 ? '\r\n' : '\n';
      const input = Array.from({ length: 1 + rnd(8) }, () => events[rnd(events.length)]!(nl)).join('');
      const drop = rnd(2) === 0;
      const bytes = Buffer.from(input);
      const parts: string[] = [];
      for (let at = 0; at < bytes.length; ) {
        const len = rnd(4) === 0 ? bytes.length : 1 + rnd(60);
        parts.push(bytes.subarray(at, at + len).toString('latin1'));
        at += len;
      }
      const usages: Usage[] = [];
      const t = new SseTransform({ upstreamModel: 'm', publicModel: 'm', dropUsageChunk: drop, onUsage: (u) => usages.push(u) });
      let out = Buffer.alloc(0);
      for (const p of parts) {
        const r = t.push(Buffer.from(p, 'latin1'));
        if (r) out = Buffer.concat([out, Buffer.isBuffer(r) ? r : Buffer.from(r)]);
      }
      const f = t.flush();
      if (f) out = Buffer.concat([out, Buffer.isBuffer(f) ? f : Buffer.from(f)]);
      const want = reference(input, drop);
      expect(out.toString('utf8'), JSON.stringify(input)).toBe(want.out);
      expect(usages).toEqual(want.usages);
    }
  });

  it('sends the bytes it was given when no event is dropped (no decode, no copy)', () => {
    const t = new SseTransform({ upstreamModel: 'm', publicModel: 'm', dropUsageChunk: false, onUsage: () => {} });
    const bytes = Buffer.from(chunk('m', 'a') + usageChunk('m'));
    expect(t.push(bytes)).toBe(bytes);
  });
});

describe('keyObjectAt', () => {
  it('gives the position of each usage or error object in turn', () => {
    const b = Buffer.from('{"usage":{}} {"usage":null} {"error": {"a":1}}');
    const first = keyObjectAt(b, 0);
    expect(first).toBe(1);
    const second = keyObjectAt(b, first + 1);
    expect(b.subarray(second, second + 9).toString()).toBe('"error": ');
    expect(keyObjectAt(b, second + 1)).toBe(-1);
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

describe('keyObjectAt finds usage and error objects', () => {
  const has = (s: string) => keyObjectAt(Buffer.from(s), 0) !== -1;
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

describe('SseTransform: a dropped usage event is cut out of the bytes it was handed', () => {
  it('in place, with no new buffer: what is left is the front of the same memory', () => {
    const t = new SseTransform({ upstreamModel: 'm', publicModel: 'm', dropUsageChunk: true, onUsage: () => {} });
    const bytes = Buffer.from(chunk('m', 'a') + chunk('m', 'b') + usageChunk('m') + 'data: [DONE]\n\n');
    const out = t.push(bytes) as Buffer;
    expect(out.toString()).toBe(chunk('m', 'a') + chunk('m', 'b') + 'data: [DONE]\n\n');
    expect(out.buffer).toBe(bytes.buffer);
    expect(out.byteOffset).toBe(bytes.byteOffset);
  });
});
