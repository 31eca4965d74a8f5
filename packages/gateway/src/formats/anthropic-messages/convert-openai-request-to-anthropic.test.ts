import { describe, expect, it } from 'vitest';
import { convertOpenaiRequestToAnthropic, DEFAULT_MAX_TOKENS } from './convert-openai-request-to-anthropic.js';

describe('convertOpenaiRequestToAnthropic', () => {
  it('hoists system and developer messages, defaults max_tokens, caps temperature, maps stop and user', () => {
    const out = convertOpenaiRequestToAnthropic(
      {
        model: 'gpt-public',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
          { role: 'user', content: 'Hi' },
        ],
        temperature: 1.7,
        top_p: 0.5,
        stop: 'END',
        user: 'u-1',
        n: 1,
        seed: 3,
        stream: true,
        stream_options: { include_usage: true },
      },
      'claude-sonnet',
    );
    expect(out).toEqual({
      model: 'claude-sonnet',
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'Be brief.\nUse metric units.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      temperature: 1,
      top_p: 0.5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      stream: true,
    });
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    expect(convertOpenaiRequestToAnthropic({ messages: [], max_tokens: 10, max_completion_tokens: 20 }, 'm').max_tokens).toBe(20);
    expect(convertOpenaiRequestToAnthropic({ messages: [], max_tokens: 10 }, 'm').max_tokens).toBe(10);
  });

  it('maps images, tool calls and tool results; consecutive tool results and a user message merge into one user turn', () => {
    const out = convertOpenaiRequestToAnthropic(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'high' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: 'not json' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '25°C' }] },
          { role: 'user', content: 'Thanks' },
        ],
      },
      'm',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '25°C' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'f' } }, undefined, { type: 'tool', name: 'f' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
  ])('maps tool_choice %j (parallel_tool_calls %j)', (choice, parallel, expected) => {
    const out = convertOpenaiRequestToAnthropic(
      { messages: [], tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } }], tool_choice: choice, parallel_tool_calls: parallel },
      'm',
    );
    expect(out.tools).toEqual([{ name: 'f', description: 'd', input_schema: { type: 'object' } }]);
    expect(out.tool_choice).toEqual(expected);
  });

  it('sends no tool_choice without tools', () => {
    expect(convertOpenaiRequestToAnthropic({ messages: [], tool_choice: 'auto' }, 'm').tool_choice).toBeUndefined();
  });
});
