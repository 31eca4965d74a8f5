import { describe, expect, it } from 'vitest';
import { estimateAnthropicInputTokens } from './count-tokens.js';

describe('estimateAnthropicInputTokens', () => {
  it('counts system, messages, tool blocks and tool definitions, and grows with the text', async () => {
    const small = await estimateAnthropicInputTokens({ messages: [{ role: 'user', content: 'Hello there' }] });
    expect(small).toBe(2 + 3); // "Hello there" is two o200k tokens, plus one message's framing
    const big = await estimateAnthropicInputTokens({
      system: [{ type: 'text', text: 'You are a careful assistant.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hello there' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: '18 degrees' }] },
      ],
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
    });
    expect(big).toBeGreaterThan(small + 1600);
    expect(big).toBeLessThan(small + 1700);
  });
});
