import { describe, expect, it } from 'vitest';
import { anthropicMessageId } from './message-id.js';
import { fixture } from './__fixtures__/fixtures.js';
import { convertAnthropicResponseToOpenai } from './convert-anthropic-response-to-openai.js';
import { convertOpenaiResponseToAnthropic } from './convert-openai-response-to-anthropic.js';

const json = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

describe('convertOpenaiResponseToAnthropic', () => {
  it('converts a text completion, usage split into input and cache reads', () => {
    expect(convertOpenaiResponseToAnthropic(json('openai-chat-text.json'), 'claude-public')).toEqual({
      id: 'msg_AxTf01', // Anthropic clients expect msg_ ids; the upstream id stays recognisable
      type: 'message',
      role: 'assistant',
      model: 'claude-public',
      content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 15, output_tokens: 10, cache_read_input_tokens: 4 },
    });
  });

  it('converts tool calls into tool_use blocks with parsed input', () => {
    const out = convertOpenaiResponseToAnthropic(json('openai-chat-tool-calls.json'), 'm');
    expect(out.content).toEqual([{ type: 'tool_use', id: 'call_R4aVqG', name: 'get_weather', input: { location: 'Paris' } }]);
    expect(out.stop_reason).toBe('tool_use');
    expect(out.usage).toEqual({ input_tokens: 82, output_tokens: 17 });
  });
});

describe('convertAnthropicResponseToOpenai', () => {
  it('converts a text message, cache reads and writes counted in prompt_tokens', () => {
    expect(convertAnthropicResponseToOpenai(json('anthropic-message-text.json'), 'gpt-public', 1700000000)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-public',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 38, completion_tokens: 12, total_tokens: 50, prompt_tokens_details: { cached_tokens: 10 } },
    });
  });

  it('converts thinking, text and tool_use blocks', () => {
    const out = convertAnthropicResponseToOpenai(json('anthropic-message-tool-use.json'), 'm', 1) as any;
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the weather.",
        refusal: null,
        reasoning_content: 'Need the weather tool.',
        tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });
});

describe('anthropicMessageId', () => {
  it('keeps msg_ ids, turns other upstream ids into msg_ ones, and makes one when there is none', () => {
    expect(anthropicMessageId('msg_01abc')).toBe('msg_01abc');
    expect(anthropicMessageId('chatcmpl-Ab1')).toBe('msg_Ab1');
    expect(anthropicMessageId('gen-17/x y')).toBe('msg_gen-17xy');
    expect(anthropicMessageId(undefined)).toMatch(/^msg_gw[0-9a-f]{24}$/);
    expect(anthropicMessageId('')).not.toBe(anthropicMessageId(''));
  });
});
