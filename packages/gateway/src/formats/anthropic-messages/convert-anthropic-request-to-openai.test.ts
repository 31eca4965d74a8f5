import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/catalog.js';
import { convertAnthropicRequestToOpenai } from './convert-anthropic-request-to-openai.js';

describe('convertAnthropicRequestToOpenai', () => {
  it('maps system, params, tools, tool_choice, stop sequences and metadata', () => {
    const out = convertAnthropicRequestToOpenai(
      {
        model: 'claude-public',
        max_tokens: 1024,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be kind.' }],
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ['END'],
        metadata: { user_id: 'u-42' },
        tools: [
          { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } },
          { type: 'web_search_20250305', name: 'web_search' },
        ],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        stream: true,
      },
      'gpt-4o',
    );
    expect(out).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.\nBe kind.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 1024,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-42',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'none' }, 'none'],
    [{ type: 'tool', name: 'f' }, { type: 'function', function: { name: 'f' } }],
  ])('maps tool_choice %j', (choice, expected) => {
    const out = convertAnthropicRequestToOpenai({ messages: [], tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: choice }, 'm');
    expect(out.tool_choice).toEqual(expected);
  });

  it('maps images, tool_use and tool_result (tool messages first, then the rest of the user turn)', () => {
    const out = convertAnthropicRequestToOpenai(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'sig' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }, { type: 'image', source: { type: 'url', url: 'https://example.com/map.png' } }] },
              { type: 'text', text: 'And tomorrow?' },
            ],
          },
        ],
      },
      'm',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/map.png' } }, { type: 'text', text: 'And tomorrow?' }] },
    ]);
  });

  it('gives an assistant turn with only tool calls null content', () => {
    const out = convertAnthropicRequestToOpenai({ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }] }, 'm');
    expect(out.messages).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] }]);
  });

  it('refuses a block type it cannot express with a 400', () => {
    let err: unknown;
    try {
      convertAnthropicRequestToOpenai({ messages: [{ role: 'user', content: [{ type: 'container_upload', file_id: 'f' }] }] }, 'm');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).message).toContain('container_upload');
  });
});
