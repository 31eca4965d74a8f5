import { describe, expect, it } from 'vitest';
import { completionCap, estimateRequestTokens, promptForCount, promptText } from './estimate-tokens.js';

describe('estimateRequestTokens (chars/4 + 4 per message + completion cap)', () => {
  it('counts chat message text, parts and the completion cap', () => {
    const body = {
      messages: [
        { role: 'system', content: 'x'.repeat(40) },
        { role: 'user', content: [{ type: 'text', text: 'y'.repeat(20) }, { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(10_000)}` } }] },
      ],
      max_tokens: 100,
    };
    expect(estimateRequestTokens(body)).toBe(10 + 5 + 2 * 4 + 100);
  });
  it('reads completions prompts, responses input/instructions and embeddings token arrays', () => {
    expect(estimateRequestTokens({ prompt: ['abcd', 'efgh'] })).toBe(2);
    expect(estimateRequestTokens({ instructions: 'abcd', input: 'efgh', max_output_tokens: 10 })).toBe(12);
    expect(estimateRequestTokens({ input: [1, 2, 3] })).toBe(3);
    expect(estimateRequestTokens(null)).toBe(0);
  });
  it('takes max_completion_tokens over max_tokens and ignores junk', () => {
    expect(completionCap({ max_completion_tokens: 5, max_tokens: 9 })).toBe(5);
    expect(completionCap({ max_tokens: 'lots' })).toBe(0);
    expect(completionCap({ max_tokens: -3 })).toBe(0);
  });
  it('counts tool-call arguments and Anthropic system prompts', () => {
    const { parts } = promptText({
      system: 'sys',
      messages: [{ role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{"a":1}' } }] }, { role: 'tool', content: 'out' }],
    });
    expect(parts.sort()).toEqual(['out', 'sys', '{"a":1}']);
  });
});

describe('promptForCount', () => {
  it('joins the prompt parts for one count and adds the per-message overhead', () => {
    const body = { system: 'sys', messages: [{ role: 'user', content: 'hello world' }, { role: 'assistant', content: [{ type: 'text', text: 'hi' }] }] };
    expect(promptForCount(body)).toEqual({ text: 'hello world\nhi\nsys', overhead: 2 * 4 });
  });
});
