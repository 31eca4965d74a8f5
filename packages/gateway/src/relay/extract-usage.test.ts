import { describe, expect, it } from 'vitest';
import { extractUsage, extractUsageFromBytes, findUsageObject } from './extract-usage.js';

describe('extractUsage', () => {
  it('reads OpenAI chat usage with cached tokens', () => {
    const body = JSON.stringify({ id: 'x', choices: [{ message: { content: 'the "usage": of words' } }], usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } } });
    expect(extractUsage(body)).toEqual({ promptTokens: 10, completionTokens: 5, cachedTokens: 4, estimated: false });
  });
  it('reads Responses API and Anthropic usage', () => {
    expect(extractUsage('{"usage":{"input_tokens":3,"output_tokens":2,"input_tokens_details":{"cached_tokens":1}}}')).toEqual({
      promptTokens: 3, completionTokens: 2, cachedTokens: 1, estimated: false,
    });
    expect(extractUsage('{"usage": {"input_tokens": 3, "output_tokens": 2, "cache_read_input_tokens": 5}}')).toEqual({
      promptTokens: 8, completionTokens: 2, cachedTokens: 5, estimated: false,
    });
  });
  it('reads Anthropic cache writes, split by TTL, as prompt tokens priced apart', () => {
    const u = { input_tokens: 4, output_tokens: 2, cache_read_input_tokens: 100, cache_creation_input_tokens: 50, cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 } };
    expect(extractUsage(JSON.stringify({ usage: u }))).toEqual({ promptTokens: 154, completionTokens: 2, cachedTokens: 100, cacheWriteTokens: 50, cacheWrite1hTokens: 30, estimated: false });
    // Before the TTL split only the total came: all of it a 5-minute write.
    expect(extractUsage('{"usage":{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":7}}')).toEqual({ promptTokens: 8, completionTokens: 1, cachedTokens: 0, cacheWriteTokens: 7, estimated: false });
  });
  it('skips "usage": null and strings, returns null without usage', () => {
    expect(findUsageObject('{"usage":null,"x":{"usage":{"prompt_tokens":1}}}')).toEqual({ prompt_tokens: 1 });
    expect(extractUsage('{"id":"x"}')).toBeNull();
    expect(extractUsage('{"usage":{"broken"')).toBeNull();
  });
});

describe('extractUsageFromBytes', () => {
  it('reads usage after multi-byte text, and none without it', () => {
    const body = '{"choices":[{"message":{"content":"héllo \\"usage\\" 日本"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}';
    expect(extractUsageFromBytes(Buffer.from(body))).toEqual(extractUsage(body));
    expect(extractUsageFromBytes(Buffer.from('{"choices":[]}'))).toBeNull();
  });
});
