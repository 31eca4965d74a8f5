import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/catalog.js';
import { convertChatRequestToGemini } from './convert-chat-request.js';

const convert = (body: Record<string, unknown>, model = 'gemini-2.5-flash') => convertChatRequestToGemini(body, model);
const convertTyped = (body: Record<string, unknown>) => convert(body) as { contents: unknown[] };
const user = (content: unknown) => ({ role: 'user', content });

describe('convertChatRequestToGemini: messages', () => {
  it('system and developer messages, wherever they are, become the system instruction; user and assistant turns user/model', () => {
    expect(
      convert({
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          user('hi'),
          { role: 'assistant', content: 'Hello!' },
          { role: 'developer', content: [{ type: 'text', text: 'In French.' }] },
          user('again'),
        ],
      }),
    ).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'Hello!' }] },
        { role: 'user', parts: [{ text: 'again' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'In French.' }] },
    });
  });

  it('multi-part content: text, images (data URLs inline, other URLs as fileData), audio, PDF files; empty texts and messages left out', () => {
    const { contents } = convert({
      messages: [
        user([
          { type: 'text', text: 'What is this?' },
          { type: 'text', text: '' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png?size=2', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ]),
        user(''),
        { role: 'assistant', content: null },
      ],
    });
    expect(contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'What is this?' },
          { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
          { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png?size=2' } },
          { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
        ],
      },
    ]);
  });

  it('refuses what Gemini cannot take, with a 400 naming it', () => {
    const bad = (content: unknown) => () => convert({ messages: [user(content)] });
    expect(bad([{ type: 'file', file: { file_id: 'file-1' } }])).toThrow(/A file part without inline file_data cannot be sent to a model served by a Gemini provider/);
    expect(bad([{ type: 'video', video: {} }])).toThrow(/content part of type "video"/);
    try {
      bad([{ type: 'video' }])();
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      expect((e as GatewayError).status).toBe(400);
    }
  });

  it('tool calls become functionCall parts with their ids and signatures; tool results functionResponse parts named after their call', () => {
    const out = convert({
      messages: [
        user('Weather in Paris and Oslo?'),
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'cold' }] },
        user('Thanks'),
      ],
    });
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Oslo?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Let me check.' },
          { functionCall: { id: 'call_1', name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
          { functionCall: { id: 'call_2', name: 'weather', args: { city: 'Oslo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'call_1', name: 'weather', response: { output: { temp: 21 } } } },
          { functionResponse: { id: 'call_2', name: 'weather', response: { output: 'cold' } } },
        ],
      },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  it('garbled arguments become {}; images in a tool result follow its functionResponse; consecutive assistant messages are one turn', () => {
    const { contents } = convertTyped({
      messages: [
        user('draw'),
        { role: 'assistant', content: 'Sure.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'draw', arguments: '{not json' } }] },
        { role: 'tool', tool_call_id: 'c', content: [{ type: 'text', text: 'done' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      ],
    });
    expect(contents.slice(1)).toEqual([
      { role: 'model', parts: [{ text: 'Sure.' }, { functionCall: { id: 'c', name: 'draw', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { id: 'c', name: 'draw', response: { output: 'done' } } }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
    ]);
  });

  it('a tool message answering no earlier call is refused (Gemini needs the function name)', () => {
    expect(() => convert({ messages: [user('x'), { role: 'tool', tool_call_id: 'nope', content: '1' }] })).toThrow(/tool_call_id "nope", which no earlier assistant message called/);
  });

  it('Gemini 3: a replayed turn of calls without any signature gets the documented stand-in on its first call; older models get none', () => {
    const messages = [
      user('x'),
      { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'a', content: '1' },
      { role: 'tool', tool_call_id: 'b', content: '2' },
    ];
    const parts = (model: string) => (convert({ messages }, model).contents as Array<{ parts: Array<Record<string, unknown>> }>)[1]!.parts;
    expect(parts('gemini-3-pro-preview').map((p) => p.thoughtSignature)).toEqual(['skip_thought_signature_validator', undefined]);
    expect(parts('models/gemini-3.1-flash').map((p) => p.thoughtSignature)).toEqual(['skip_thought_signature_validator', undefined]);
    expect(parts('gemini-2.5-pro').map((p) => p.thoughtSignature)).toEqual([undefined, undefined]);
  });
});

describe('convertChatRequestToGemini: tools and parameters', () => {
  const tool = (name: string, parameters?: unknown) => ({ type: 'function', function: { name, description: `does ${name}`, ...(parameters ? { parameters } : {}) } });

  it('function tools become one functionDeclarations tool; a parameterless one has no parameters', () => {
    const out = convert({ messages: [user('x')], tools: [tool('a', { type: 'object', properties: { q: { type: 'string' } }, additionalProperties: false }), tool('b', { type: 'object', properties: {} }), tool('c')] });
    expect(out.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'a', description: 'does a', parameters: { type: 'OBJECT', properties: { q: { type: 'STRING' } } } },
          { name: 'b', description: 'does b' },
          { name: 'c', description: 'does c' },
        ],
      },
    ]);
    expect(out.toolConfig).toBeUndefined();
  });

  it('tool_choice: auto/none/required as modes, a named function as ANY with allowedFunctionNames; ignored without tools', () => {
    const choice = (tool_choice: unknown) => convert({ messages: [user('x')], tools: [tool('f')], tool_choice }).toolConfig;
    expect(choice('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(choice('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(choice('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(choice({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'f' } }] } })).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] },
    });
    expect(choice({ type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } })).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(convert({ messages: [user('x')], tool_choice: 'required' }).toolConfig).toBeUndefined();
  });

  it('refuses tools other than functions', () => {
    expect(() => convert({ messages: [user('x')], tools: [{ type: 'custom', custom: { name: 'x' } }] })).toThrow(/A tool of type "custom" cannot be sent/);
  });

  it('generationConfig from the sampling parameters; max_completion_tokens wins over max_tokens; what Gemini has no field for is left out', () => {
    const out = convert({
      model: 'gpt',
      messages: [user('x')],
      max_tokens: 10,
      max_completion_tokens: 20,
      temperature: 0.5,
      top_p: 0.8,
      n: 2,
      stop: 'END',
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
      user: 'u',
      metadata: { a: 'b' },
      logprobs: true,
      parallel_tool_calls: false,
      reasoning_effort: 'low',
    });
    expect(out).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
      generationConfig: { maxOutputTokens: 20, temperature: 0.5, topP: 0.8, candidateCount: 2, presencePenalty: 0.1, frequencyPenalty: 0.2, seed: 7, stopSequences: ['END'] },
    });
    expect(convert({ messages: [user('x')], max_tokens: 10, stop: ['a', 'b'] }).generationConfig).toEqual({ maxOutputTokens: 10, stopSequences: ['a', 'b'] });
  });

  it('response_format: json_object as the JSON MIME type, json_schema with its schema made Gemini\'s, text as nothing', () => {
    const rf = (response_format: unknown) => convert({ messages: [user('x')], response_format }).generationConfig;
    expect(rf({ type: 'json_object' })).toEqual({ responseMimeType: 'application/json' });
    expect(rf({ type: 'json_schema', json_schema: { name: 'p', strict: true, schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false } } })).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'OBJECT', properties: { n: { type: 'INTEGER' } }, required: ['n'] },
    });
    expect(rf({ type: 'text' })).toBeUndefined();
  });
});
