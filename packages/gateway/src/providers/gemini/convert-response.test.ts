import { describe, expect, it } from 'vitest';
import { convertGeminiResponseToChat } from './convert-response.js';
import type { GeminiResponse } from './types.js';

const convert = (r: GeminiResponse) => convertGeminiResponseToChat(r, 'public-model', 1700000000);

describe('convertGeminiResponseToChat', () => {
  it('a text answer: one choice, the public model, usage with cached and reasoning tokens (thoughts billed as output)', () => {
    const { json, usage } = convert({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }, { text: ' world' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 140, cachedContentTokenCount: 40, thoughtsTokenCount: 30 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc123',
    });
    expect(json).toEqual({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      created: 1700000000,
      model: 'public-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 30 } },
    });
    expect(usage).toEqual({ promptTokens: 100, completionTokens: 40, cachedTokens: 40, estimated: false });
  });

  it('thought summaries as reasoning_content; function calls as tool_calls with Gemini\'s id or a new one, and the thought signature', () => {
    const { json } = convert({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Thinking about the weather.', thought: true },
              { text: 'Checking.' },
              { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
              { functionCall: { id: 'fc-2', name: 'weather', args: { city: 'Oslo' } } },
              { functionCall: { name: 'ping' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    const choice = (json.choices as any[])[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message).toEqual({
      role: 'assistant',
      content: 'Checking.',
      refusal: null,
      reasoning_content: 'Thinking about the weather.',
      tool_calls: [
        { id: expect.stringMatching(/^call_[A-Za-z0-9_-]{16}$/), type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
        { id: 'fc-2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'ping', arguments: '{}' } },
      ],
    });
    expect(choice.message.tool_calls[0].id).not.toBe(choice.message.tool_calls[2].id);
  });

  it('only tool calls: content null; several candidates: one choice each, finish reasons mapped', () => {
    const { json, usage } = convert({
      candidates: [
        { content: { parts: [{ functionCall: { name: 'f', args: {} } }] }, finishReason: 'STOP', index: 0 },
        { content: { parts: [{ text: 'cut' }] }, finishReason: 'MAX_TOKENS', index: 1 },
        { finishReason: 'SAFETY', index: 2 },
      ],
    });
    expect((json.choices as any[]).map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, null, 'tool_calls'],
      [1, 'cut', 'length'],
      [2, null, 'content_filter'],
    ]);
    expect(json.usage).toBeUndefined();
    expect(usage).toBeNull();
  });

  it('a prompt Gemini blocked: one content-filter choice with the reason as refusal, and the prompt\'s usage', () => {
    const { json, usage } = convert({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 6, totalTokenCount: 6 }, responseId: 'r' });
    expect(json.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, refusal: 'Gemini blocked the prompt (blockReason PROHIBITED_CONTENT).' }, logprobs: null, finish_reason: 'content_filter' },
    ]);
    expect(usage).toEqual({ promptTokens: 6, completionTokens: 0, cachedTokens: 0, estimated: false });
  });

  it('tool-use prompt tokens count as prompt; a response without id gets one', () => {
    const { json } = convert({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 1 } });
    expect(json.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 1, total_tokens: 16 });
    expect(json.id).toMatch(/^chatcmpl-[A-Za-z0-9_-]+$/);
  });
});
