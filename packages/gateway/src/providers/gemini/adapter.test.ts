import { ProviderSchema } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { ENDPOINT_PATHS } from '../../api/endpoints.js';
import { servesEndpoint, upstreamUrl } from '../index.js';
import { geminiAdapter } from './adapter.js';

const provider = (fields: Record<string, unknown> = {}) =>
  ProviderSchema.parse({ name: 'g', type: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta', secrets: ['k'], ...fields });

describe('gemini adapter', () => {
  it('addresses models/{model}:generateContent, or :streamGenerateContent?alt=sse for a stream; never the client query', () => {
    const url = (upstreamModel: string, stream: boolean) => upstreamUrl({ provider: provider(), upstreamModel, endpoint: '/generateContent', stream, query: 'x=1' });
    expect(url('gemini-2.5-flash', false)).toBe('/models/gemini-2.5-flash:generateContent');
    expect(url('gemini-2.5-flash', true)).toBe('/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(url('models/gemini-2.0-flash', false)).toBe('/models/gemini-2.0-flash:generateContent');
    expect(url('tunedModels/my model', true)).toBe('/tunedModels/my%20model:streamGenerateContent?alt=sse');
  });

  it('sends the key as x-goog-api-key (bearer), or in the header the provider names', () => {
    expect(geminiAdapter.authHeaders(provider(), 'AIza-k')).toEqual({ 'x-goog-api-key': 'AIza-k' });
    expect(geminiAdapter.authHeaders(provider({ auth_type: 'header', auth_header: 'Authorization' }), 'Bearer ya29.t')).toEqual({ authorization: 'Bearer ya29.t' });
    expect(geminiAdapter.authHeaders(provider({ auth_type: 'none' }), 'k')).toEqual({});
    expect(geminiAdapter.authHeaders(provider(), undefined)).toEqual({});
  });

  it('serves chat completions, embeddings, Responses and Messages (through chat) and count_tokens (locally); nothing else', () => {
    expect(ENDPOINT_PATHS.filter((p) => servesEndpoint('gemini', p))).toEqual(['/chat/completions', '/embeddings', '/responses', '/messages', '/messages/count_tokens']);
    expect(upstreamUrl({ provider: provider(), upstreamModel: 'gemini-embedding-001', endpoint: '/batchEmbedContents', stream: false, query: '' })).toBe('/models/gemini-embedding-001:batchEmbedContents');
    expect(geminiAdapter.serves['/chat/completions']).toMatchObject({ upstream: '/generateContent', keepQuery: false });
    expect(geminiAdapter.serves['/messages']).toMatchObject({ upstream: '/generateContent', keepQuery: false });
    expect(geminiAdapter.serves['/messages/count_tokens']).toMatchObject({ localResponse: expect.any(Function) });
  });
});
