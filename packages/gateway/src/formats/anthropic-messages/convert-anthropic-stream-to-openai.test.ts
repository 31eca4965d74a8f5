import { describe, expect, it } from 'vitest';
import { Errors } from '../../errors/catalog.js';
import type { Usage } from '../../request-context.js';
import { feed, fixture, parseEvents } from './__fixtures__/fixtures.js';
import { AnthropicToOpenaiStream } from './convert-anthropic-stream-to-openai.js';

function convert(name: string, includeUsage: boolean, size?: number) {
  const usages: Usage[] = [];
  let errorEvents = 0;
  const t = new AnthropicToOpenaiStream({ publicModel: 'gpt-public', includeUsage, onUsage: (u) => usages.push(u), onErrorEvent: () => errorEvents++, created: 1700000000 });
  const events = parseEvents(feed(t, fixture(name), size));
  return { chunks: events.map((e) => e.data), usages, errorEvents };
}

describe('AnthropicToOpenaiStream', () => {
  it('turns a text stream into chat.completion.chunk deltas, a finish chunk, the usage chunk and [DONE]', () => {
    const { chunks, usages } = convert('anthropic-text.sse', true);
    expect(chunks[0]).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-public',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    const text = chunks.slice(1, -3).map((c) => c.choices[0].delta.content).join('');
    expect(text).toBe('Hello! How can I help you today?');
    expect(chunks.at(-3).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 35, completion_tokens: 12, total_tokens: 47, prompt_tokens_details: { cached_tokens: 10 } } });
    expect(chunks.at(-1)).toBe('[DONE]');
    expect(usages.at(-1)).toEqual({ promptTokens: 35, completionTokens: 12, cachedTokens: 10, estimated: false });
  });

  it('leaves the usage chunk out when the client did not ask for it', () => {
    const { chunks } = convert('anthropic-text.sse', false);
    expect(chunks.some((c) => c !== '[DONE]' && c.usage)).toBe(false);
    expect(chunks.at(-1)).toBe('[DONE]');
  });

  it('turns thinking, text and tool_use blocks into reasoning_content, content and tool_calls deltas', () => {
    const { chunks, usages } = convert('anthropic-tool-use.sse', false, 11);
    const deltas = chunks.filter((c) => c !== '[DONE]').map((c) => c.choices[0].delta);
    expect(deltas.filter((d) => d.reasoning_content).map((d) => d.reasoning_content).join('')).toBe('Need the weather tool.');
    expect(deltas.filter((d) => d.content).map((d) => d.content).join('')).toBe("Okay, let's check the weather for San Francisco, CA:");
    const calls = deltas.filter((d) => d.tool_calls).map((d) => d.tool_calls[0]);
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(JSON.parse(calls.slice(1).map((c) => c.function.arguments).join(''))).toEqual({ location: 'San Francisco, CA' });
    expect(calls.slice(1).every((c) => c.index === 0 && c.id === undefined)).toBe(true);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('tool_calls');
    expect(usages.at(-1)).toEqual({ promptTokens: 472, completionTokens: 89, cachedTokens: 0, estimated: false });
  });

  it('turns an Anthropic error event into an OpenAI error chunk and stops', () => {
    const { chunks, errorEvents } = convert('anthropic-error.sse', true);
    expect(chunks.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } });
    expect(errorEvents).toBe(1);
    expect(convert('anthropic-text.sse', true).errorEvents).toBe(0);
    expect(chunks).not.toContain('[DONE]');
  });

  it('ends with an OpenAI error chunk when the upstream fails mid-stream', () => {
    const t = new AnthropicToOpenaiStream({ publicModel: 'm', includeUsage: false, onUsage: () => {} });
    const head = fixture('anthropic-text.sse').split('\n\n').slice(0, 4).join('\n\n') + '\n\n';
    const out = (t.push(Buffer.from(head)) ?? '') + t.fail(Errors.upstreamProtocol('p'));
    const chunks = parseEvents(out).map((e) => e.data);
    expect(chunks.at(-1).error.code).toBe('upstream_error');
    expect(chunks).not.toContain('[DONE]');
  });
});
