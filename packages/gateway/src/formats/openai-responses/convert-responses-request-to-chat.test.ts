import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../errors/catalog.js';
import { convertChatResponseToResponses } from './build-response.js';
import { convertResponsesRequestToChat } from './convert-responses-request-to-chat.js';

describe('Responses request → chat completions request', () => {
  it('a string input is one user message; instructions lead as system; a stream asks for usage', () => {
    expect(convertResponsesRequestToChat({ model: 'pub', input: 'hi', instructions: 'sys', stream: true, temperature: 0.2, reasoning: { effort: 'low' } }, 'up')).toEqual({
      model: 'up',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      reasoning_effort: 'low',
    });
  });

  it('items: developer → system, images as image_url parts, consecutive calls merged, outputs as tool messages, reasoning dropped', () => {
    const out = convertResponsesRequestToChat(
      {
        input: [
          { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'rules' }] },
          { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AA' }] },
          { type: 'reasoning', id: 'rs_1', summary: [] },
          { type: 'function_call', call_id: 'c1', name: 'a', arguments: '{}' },
          { type: 'function_call', call_id: 'c2', name: 'b', arguments: '{"x":1}' },
          { type: 'function_call_output', call_id: 'c1', output: 'A' },
          { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'B' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
        ],
        tools: [{ type: 'function', name: 'a' }],
        tool_choice: { type: 'function', name: 'a' },
      },
      'up',
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'rules' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
      { role: 'assistant', content: null, tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'a', arguments: '{}' } },
        { id: 'c2', type: 'function', function: { name: 'b', arguments: '{"x":1}' } },
      ] },
      { role: 'tool', tool_call_id: 'c1', content: 'A' },
      { role: 'tool', tool_call_id: 'c2', content: 'B' },
      { role: 'assistant', content: 'done' },
    ]);
    expect(out.tool_choice).toEqual({ type: 'function', function: { name: 'a' } });
  });

  it('leaves out tools the upstream cannot run (hosted, namespaces); refuses forcing one, and files by id, with a 400 naming the parameter', () => {
    const out = convertResponsesRequestToChat({ input: 'x', tools: [{ type: 'web_search' }, { type: 'namespace', name: 'n', tools: [] }, { type: 'function', name: 'f' }], tool_choice: 'auto' }, 'up');
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'f' } }]);
    expect(out.tool_choice).toBe('auto');
    const none = convertResponsesRequestToChat({ input: 'x', tools: [{ type: 'web_search' }], tool_choice: 'auto' }, 'up');
    expect(none.tools).toBeUndefined();
    expect(none.tool_choice).toBeUndefined();
    const refuse = (body: Record<string, unknown>) => {
      try {
        convertResponsesRequestToChat(body, 'up');
      } catch (e) {
        return e as GatewayError;
      }
      throw new Error('accepted');
    };
    expect(refuse({ input: 'x', tools: [{ type: 'file_search' }], tool_choice: { type: 'file_search' } })).toMatchObject({ status: 400, param: 'tool_choice' });
    expect(refuse({ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] })).toMatchObject({ status: 400, param: 'input' });
  });
});

describe('chat completion → Response object', () => {
  it('text, tool calls, reasoning and usage; a length finish is incomplete', () => {
    const r = convertChatResponseToResponses(
      {
        created: 5,
        choices: [{ message: { role: 'assistant', content: 'hi', reasoning_content: 'think', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'length' }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 1 }, completion_tokens_details: { reasoning_tokens: 2 } },
      },
      'pub',
      { store: false },
    );
    expect(r).toMatchObject({ object: 'response', created_at: 5, model: 'pub', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, store: false });
    expect((r.output as Array<{ type: string }>).map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(r.usage).toEqual({ input_tokens: 3, input_tokens_details: { cached_tokens: 1 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 7 });
  });
});
