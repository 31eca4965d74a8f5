import { defaultAuthForm, providerAuthHeader, ProviderSchema, type ProviderType } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { ENDPOINT_PATHS, ENDPOINTS } from '../api/endpoints.js';
import { ADAPTERS, codecFor, servesEndpoint, upstreamUrl } from './index.js';

const ep = (path: string) => ENDPOINTS.get(path)!;

describe('which endpoints a provider type serves, and how', () => {
  it('openai: every endpoint; anthropic: chat completions and responses (converted), messages and count_tokens', () => {
    for (const p of ENDPOINT_PATHS) expect(servesEndpoint('openai', p)).toBe(true);
    expect(ENDPOINT_PATHS.filter((p) => servesEndpoint('anthropic', p))).toEqual(['/chat/completions', '/responses', '/messages', '/messages/count_tokens']);
  });

  it('/responses: native on openai unless the provider says responses_api chat; through chat completions elsewhere', () => {
    const base = { name: 'p', base_url: 'http://x/v1', type: 'openai' } as const;
    expect(codecFor(ep('/responses'), ProviderSchema.parse(base))).toBeNull();
    expect(codecFor(ep('/responses'), ProviderSchema.parse({ ...base, responses_api: 'chat' }))).toMatchObject({ upstream: '/chat/completions', keepQuery: false });
    // the setting only changes /responses
    expect(codecFor(ep('/chat/completions'), ProviderSchema.parse({ ...base, responses_api: 'chat' }))).toBeNull();
    expect(codecFor(ep('/responses'), 'anthropic')).toMatchObject({ upstream: '/messages' });
    expect(codecFor(ep('/responses'), 'gemini')).toMatchObject({ upstream: '/generateContent' });
    expect(codecFor(ep('/responses'), 'azure')).toMatchObject({ upstream: '/chat/completions' });
    expect(() => ProviderSchema.parse({ ...base, responses_api: 'maybe' })).toThrow();
  });

  it('is the identity (null codec) for OpenAI endpoints to OpenAI-compatible providers: the hot path stays untouched', () => {
    for (const [path, e] of ENDPOINTS) if (e.format !== 'anthropic') expect(codecFor(e, 'openai'), path).toBeNull();
  });

  it('converts /messages to /chat/completions for OpenAI-compatible providers and answers count_tokens locally', () => {
    expect(codecFor(ep('/messages'), 'openai')).toMatchObject({ upstream: '/chat/completions', keepQuery: false });
    expect(codecFor(ep('/messages/count_tokens'), 'openai')?.localResponse).toBeTypeOf('function');
  });

  it('passes /messages through to Anthropic providers and converts /chat/completions to /messages', () => {
    const pass = codecFor(ep('/messages'), 'anthropic')!;
    expect(pass).toMatchObject({ upstream: '/messages', keepQuery: true });
    expect(pass.requestBody).toBeUndefined();
    expect(codecFor(ep('/messages/count_tokens'), 'anthropic')).toBeNull();
    expect(codecFor(ep('/chat/completions'), 'anthropic')).toMatchObject({ upstream: '/messages', keepQuery: false });
  });

  it('every adapter is registered under its own id', () => {
    for (const [type, a] of Object.entries(ADAPTERS)) expect(a.id).toBe(type);
  });

  it('without a url rule the upstream path is the endpoint, with the client query', () => {
    const provider = { type: 'openai', base_url: 'http://x/v1' } as never;
    expect(upstreamUrl({ provider, upstreamModel: 'm', endpoint: '/chat/completions', stream: false, query: '' })).toBe('/chat/completions');
    expect(upstreamUrl({ provider, upstreamModel: 'm', endpoint: '/embeddings', stream: false, query: 'a=1' })).toBe('/embeddings?a=1');
  });
});

describe('auth headers: one rule (core providerAuthHeader) for every adapter', () => {
  const provider = (type: ProviderType, fields: Record<string, unknown> = {}) => ProviderSchema.parse({ name: 'p', type, base_url: 'https://h/v1', ...fields });
  const types = Object.keys(ADAPTERS) as ProviderType[];

  it("bearer is each type's own form, the one gwctl's upstream calls use (core defaultAuthForm)", () => {
    expect(ADAPTERS.openai.authHeaders(provider('openai'), 's1')).toEqual({ authorization: 'Bearer s1' });
    expect(ADAPTERS.anthropic.authHeaders(provider('anthropic'), 's1')).toEqual({ 'x-api-key': 's1' });
    expect(ADAPTERS.azure.authHeaders(provider('azure'), 's1')).toEqual({ 'api-key': 's1' });
    for (const type of types) {
      const [name, value] = providerAuthHeader(provider(type), 's1', defaultAuthForm(type))!;
      expect(ADAPTERS[type].authHeaders(provider(type), 's1'), type).toEqual({ [name]: value });
    }
  });

  it.each([
    [{ auth_header: 'api-key' }, { 'api-key': 's1' }],
    [{ auth_header: 'x-goog-api-key' }, { 'x-goog-api-key': 's1' }],
    [{ auth_header: 'Authorization', auth_prefix: 'Bearer ' }, { authorization: 'Bearer s1' }],
    [{ auth_header: 'Authorization', auth_prefix: 'Token ' }, { authorization: 'Token s1' }],
    [{ auth_header: 'X-Custom-Auth', auth_prefix: 'key=' }, { 'x-custom-auth': 'key=s1' }],
  ])('header %j → %j for every type', (fields, expected) => {
    for (const type of types) expect(ADAPTERS[type].authHeaders(provider(type, { auth_type: 'header', ...fields }), 's1'), type).toEqual(expected);
  });

  it('none, or no secret: no header', () => {
    for (const type of types) {
      expect(ADAPTERS[type].authHeaders(provider(type, { auth_type: 'none' }), 's1')).toEqual({});
      expect(ADAPTERS[type].authHeaders(provider(type, { auth_type: 'header', auth_header: 'api-key', auth_prefix: 'K ' }), undefined)).toEqual({});
    }
  });
});
