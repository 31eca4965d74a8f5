import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../pipeline/endpoints.js';
import { codecFor } from './codec.js';

const ep = (path: string) => ENDPOINTS.get(path)!;

describe('codecFor', () => {
  it('is the identity (null) for OpenAI endpoints to OpenAI-compatible providers: the hot path stays untouched', () => {
    for (const [path, e] of ENDPOINTS) if (e.format !== 'anthropic') expect(codecFor(e, 'openai'), path).toBeNull();
  });

  it('converts /messages to /chat/completions for OpenAI-compatible providers and answers count_tokens locally', () => {
    expect(codecFor(ep('/messages'), 'openai')).toMatchObject({ path: '/chat/completions', keepQuery: false });
    expect(codecFor(ep('/messages/count_tokens'), 'openai')?.localResponse).toBeTypeOf('function');
  });

  it('passes /messages through to Anthropic providers and converts /chat/completions to /messages', () => {
    const pass = codecFor(ep('/messages'), 'anthropic')!;
    expect(pass).toMatchObject({ path: '/messages', keepQuery: true });
    expect(pass.requestBody).toBeUndefined();
    expect(codecFor(ep('/messages/count_tokens'), 'anthropic')).toBeNull();
    expect(codecFor(ep('/chat/completions'), 'anthropic')).toMatchObject({ path: '/messages', keepQuery: false });
  });
});
