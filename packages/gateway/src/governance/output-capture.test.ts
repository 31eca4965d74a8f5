import { describe, expect, it } from 'vitest';
import { OutputCapture } from './output-capture.js';

describe('OutputCapture', () => {
  it('keeps the content deltas of OpenAI chat chunks, escapes decoded', () => {
    const c = new OutputCapture();
    c.push(Buffer.from('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'));
    c.push('data: {"choices":[{"delta":{"content":"Hello \\"you\\""}}]}\n\ndata: {"choices":[{"delta":{"content":"\\n!"}}]}\n\n');
    c.push('data: [DONE]\n\n');
    expect(c.text).toBe('Hello "you"\n!');
  });
  it('keeps completions text, tool-call arguments and Anthropic text deltas', () => {
    const c = new OutputCapture();
    c.push('data: {"choices":[{"text":"ab"}]}\n\n');
    c.push('data: {"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{\\"x\\":1}"}}]}}]}\n\n');
    c.push('event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"cd"}}\n\n');
    expect(c.text).toBe('ab{"x":1}cd');
  });
  it('keeps text in the order it came, across events and kinds, and only the text members', () => {
    const c = new OutputCapture();
    c.push(Buffer.from('data: {"choices":[{"text":"ab","subtext":"no","context":"no"}]}\n\n'));
    c.push(Buffer.from('data: {"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":"{\\"x\\":1}"}}]}}]}\n\n'));
    c.push(Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"cd"}}\n\n'));
    c.push(Buffer.from('data: {"choices":[{"delta":{"content":"é\\u00e9"}}]}\n\n'));
    expect(c.text).toBe('ab{"x":1}cdéé');
  });
  it('skips the Responses API summary events that repeat the whole text', () => {
    const c = new OutputCapture();
    c.push('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n');
    c.push('event: response.output_text.done\ndata: {"type":"response.output_text.done","text":"Hi"}\n\n');
    expect(c.text).toBe('Hi');
  });
  it('reads a whole JSON body', () => {
    const c = new OutputCapture();
    c.push('{"choices":[{"message":{"role":"assistant","content":"whole answer"}}]}');
    expect(c.text).toBe('whole answer');
  });
  it('keeps every event in order however much waits unscanned, and one push larger than the buffer', () => {
    const c = new OutputCapture();
    const words: string[] = [];
    for (let i = 0; i < 3000; i++) {
      words.push(`w${i} é `);
      c.push(Buffer.from(`data: {"choices":[{"delta":{"content":"w${i} \\u00e9 "}}]}\n\n`));
    }
    const big = 'x'.repeat(70_000);
    c.push(`data: {"choices":[{"delta":{"content":"${big}"}}]}\n\n`);
    c.push('data: {"choices":[{"delta":{"content":"end"}}]}\n\n');
    expect(c.text).toBe(words.join('') + big + 'end');
    expect(c.overflowTokens).toBe(0);
  });
});
