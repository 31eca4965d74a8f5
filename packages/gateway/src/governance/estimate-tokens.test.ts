import { describe, expect, it } from 'vitest';
import { admissionPromptTokens, completionCap, LARGE_PROMPT_CHARS, promptForCount, promptText, SMALL_PROMPT_CHARS } from './estimate-tokens.js';

const noCount = () => Promise.reject(new Error('the tokenizer is not for small prompts'));

describe('admissionPromptTokens (an upper bound for small prompts, the tokenizer for larger ones)', () => {
  it('a small prompt counts its UTF-8 bytes and 4 per message; images are not text', () => {
    const body = {
      messages: [
        { role: 'system', content: 'x'.repeat(40) },
        { role: 'user', content: [{ type: 'text', text: 'é'.repeat(20) }, { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(10_000)}` } }] },
      ],
      max_tokens: 100,
    };
    expect(admissionPromptTokens(body, noCount)).toBe(40 + 40 + 2 * 4);
  });
  it('reads completions prompts, responses input/instructions and embeddings token arrays', () => {
    expect(admissionPromptTokens({ prompt: ['abcd', 'efgh'] }, noCount)).toBe(8);
    expect(admissionPromptTokens({ instructions: 'abcd', input: 'efgh', max_output_tokens: 10 }, noCount)).toBe(8);
    expect(admissionPromptTokens({ input: [1, 2, 3] }, noCount)).toBe(12);
    expect(admissionPromptTokens(null, noCount)).toBe(0);
  });
  it('a larger prompt is counted by the tokenizer, or by its bytes when the count fails', async () => {
    const text = 'word '.repeat(SMALL_PROMPT_CHARS);
    const body = { messages: [{ role: 'user', content: text }] };
    expect(await admissionPromptTokens(body, async (t) => (t === text ? 1234 : -1))).toBe(1234 + 4);
    expect(await admissionPromptTokens(body, noCount)).toBe(text.length + 4);
  });
  it('a large prompt is reserved at its UTF-8 bytes when they fit the key\'s tpm, else counted by the tokenizer', async () => {
    const text = 'é'.repeat(LARGE_PROMPT_CHARS + 1); // 2 bytes a character
    const body = { messages: [{ role: 'user', content: text }] };
    const bytes = 2 * text.length + 4;
    const counted = async (t: string) => (t === text ? 777 : -1);
    expect(admissionPromptTokens(body, counted)).toBe(bytes); // no tpm limit: the bound, no count
    expect(admissionPromptTokens(body, counted, bytes)).toBe(bytes);
    // The bound alone would not fit the limit: the tokenizer decides, as for a mid-sized prompt.
    expect(await admissionPromptTokens(body, counted, bytes - 1)).toBe(777 + 4);
    expect(await admissionPromptTokens(body, noCount, bytes - 1)).toBe(bytes);
    // At the threshold itself the tokenizer still counts.
    const mid = { messages: [{ role: 'user', content: 'a'.repeat(LARGE_PROMPT_CHARS) }] };
    expect(await admissionPromptTokens(mid, async () => 5, 1e9)).toBe(5 + 4);
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
