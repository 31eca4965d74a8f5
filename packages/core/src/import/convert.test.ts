import { describe, expect, it } from 'vitest';
import { RegistryDocumentError } from '../registry-document.js';
import { convertLlmGatewayLite } from './convert-llm-gateway-lite.js';
import { convertOpenBridge } from './convert-openbridge.js';

const warningsOf = (w: Array<{ path: Array<string | number>; message: string }>) => w.map((x) => `${x.path.join('.')}: ${x.message}`);

describe('convertLlmGatewayLite', () => {
  const lite = (providers: Record<string, unknown>, models: Record<string, unknown> = {}) => convertLlmGatewayLite({ providers: { version: 1, providers }, models: { version: 1, models } });

  it('maps each auth of the page: bearer, api-key without prefix, x-goog-api-key, another prefix, none', () => {
    const { document, warnings } = lite({
      openai: { base_url: 'https://api.openai.com', auth: { mode: 'bearer', header: 'Authorization', prefix: 'Bearer ' }, keys: [{ value: 'a' }] },
      azure: { base_url: 'https://x.openai.azure.com', endpoints: { chat_completions: '/openai/v1/chat/completions' }, auth: { mode: 'header', header: 'api-key', prefix: '' }, keys: [{ value: 'b' }] },
      gemini: {
        base_url: 'https://generativelanguage.googleapis.com',
        endpoints: { chat_completions: '/v1beta/openai/chat/completions', embeddings: '/v1beta/openai/embeddings' },
        auth: { header: 'x-goog-api-key' },
        keys: [{ value: 'c1' }, { value: 'c2' }],
      },
      token: { base_url: 'https://t.example/v1/', endpoints: { chat_completions: '/chat/completions' }, auth: { mode: 'header', header: 'Authorization', prefix: 'Token ' }, keys: [{ value: 'd' }] },
      local: { base_url: 'http://127.0.0.1:8000', auth: { mode: 'none' } },
    });
    expect(document.providers).toEqual({
      openai: { type: 'openai', base_url: 'https://api.openai.com/v1', auth_type: 'bearer', secrets: ['a'] },
      azure: { type: 'openai', base_url: 'https://x.openai.azure.com/openai/v1', auth_type: 'header', auth_header: 'api-key', secrets: ['b'] },
      gemini: { type: 'openai', base_url: 'https://generativelanguage.googleapis.com/v1beta/openai', auth_type: 'header', auth_header: 'x-goog-api-key', secrets: ['c1', 'c2'] },
      token: { type: 'openai', base_url: 'https://t.example/v1', auth_type: 'header', auth_header: 'Authorization', auth_prefix: 'Token ', secrets: ['d'] },
      local: { type: 'openai', base_url: 'http://127.0.0.1:8000/v1', auth_type: 'none', secrets: [] },
    });
    expect(warnings).toEqual([]);
  });

  it('one warning per setting it cannot carry over; timeouts bound each step', () => {
    const { document, warnings } = lite({
      p: {
        type: 'anthropic',
        base_url: 'https://h.example',
        endpoints: { chat_completions: '/api/chat', embeddings: '/v2/embed' },
        keys: [{ id: 'k1', value: 'x' }, { id: 'k2' }],
        timeout_ms: 30000,
        ssl_verify: false,
        retries: 3,
      },
    });
    expect(document.providers!.p).toMatchObject({ base_url: 'https://h.example', connect_timeout_ms: 30000, first_byte_timeout_ms: 30000, idle_timeout_ms: 30000 });
    expect(warningsOf(warnings)).toEqual([
      'providers.p.retries: not a setting this gateway has; dropped',
      'providers.p.type: type "anthropic" is imported as an OpenAI-compatible provider',
      'providers.p.endpoints.chat_completions: /api/chat does not end with /chat/completions, which this gateway appends to the base URL; the base URL is used as given',
      'providers.p.endpoints.embeddings: every endpoint is the base URL https://h.example plus its OpenAI path here; /v2/embed is dropped',
      'providers.p.keys.1: no value; skipped',
      'providers.p.keys: key ids are not kept: secrets are numbered #1, #2… in their order here',
      'providers.p.ssl_verify: upstream certificates are always verified here; ssl_verify: false is dropped',
    ]);
  });

  it('routes by default_provider (priority) or by weight, keeps allow_providers only, and makes aliases', () => {
    const providers = { a: { base_url: 'https://a.example', weight: 5 }, b: { base_url: 'https://b.example' }, c: { base_url: 'https://c.example' } };
    const { document } = lite(providers, {
      primary: { aliases: ['primary', 'p1'], provider_map: { a: 'm-a', b: 'm-b', c: 'm-c' }, policy: { default_provider: 'b', allow_providers: ['a', 'b'] } },
      shared: { provider_map: { a: 'm-a', c: 'm-c' } },
    });
    expect(document.models).toEqual({
      primary: {
        policy: 'priority',
        targets: [
          { provider: 'a', model: 'm-a', weight: 1, priority: 1 },
          { provider: 'b', model: 'm-b', weight: 1, priority: 0 },
        ],
      },
      p1: { alias_of: 'primary' },
      shared: {
        policy: 'weighted',
        targets: [
          { provider: 'a', model: 'm-a', weight: 1, priority: 0 },
          { provider: 'c', model: 'm-c', weight: 1, priority: 0 },
        ],
      },
    });
    expect(document.providers!.a!.weight).toBe(5);
  });

  it('refuses files that are not its shape', () => {
    expect(() => convertLlmGatewayLite({ providers: { providers: [] }, models: {} })).toThrow(RegistryDocumentError);
  });
});

describe('convertOpenBridge', () => {
  it('makes a group an alias of its one upstream model, or a model of its own when it mixes models or shares one', () => {
    const { document, env, warnings } = convertOpenBridge({
      providers: [
        { group: 'fast', name: 'gpt-4o-mini', base: 'https://api.openai.com', key: 'sk-1' },
        { group: 'fast', name: 'gpt-4o-mini', base: 'https://api.openai.com', key: 'sk-2' },
        { group: 'mix', name: 'gpt-4o', base: 'https://api.openai.com', key: 'sk-1' },
        { group: 'mix', name: 'claude-3-5-haiku', base: 'https://openrouter.ai/api', key: 'sk-or' },
        { group: 'gpt-4o', name: 'gpt-4o', base: 'http://127.0.0.1:8080', key: 'local' },
      ],
      security: ['sk-client-token-0123456789', 'short', 'sk-client-token-0123456789'],
    });
    expect(document.providers).toEqual({
      openai: { type: 'openai', base_url: 'https://api.openai.com/v1', secrets: ['sk-1'] },
      'openai-2': { type: 'openai', base_url: 'https://api.openai.com/v1', secrets: ['sk-2'] },
      openrouter: { type: 'openai', base_url: 'https://openrouter.ai/api/v1', secrets: ['sk-or'] },
      '127-0-0-1-8080': { type: 'openai', base_url: 'http://127.0.0.1:8080/v1', secrets: ['local'] },
    });
    expect(document.models).toEqual({
      'gpt-4o-mini': {
        policy: 'round-robin',
        targets: [
          { provider: 'openai', model: 'gpt-4o-mini', weight: 1, priority: 0 },
          { provider: 'openai-2', model: 'gpt-4o-mini', weight: 1, priority: 0 },
        ],
      },
      fast: { alias_of: 'gpt-4o-mini' },
      mix: {
        policy: 'round-robin',
        targets: [
          { provider: 'openai', model: 'gpt-4o', weight: 1, priority: 0 },
          { provider: 'openrouter', model: 'claude-3-5-haiku', weight: 1, priority: 0 },
        ],
      },
      'gpt-4o': { policy: 'round-robin', targets: [{ provider: '127-0-0-1-8080', model: 'gpt-4o', weight: 1, priority: 0 }] },
    });
    expect(document.keys).toEqual({ 'openbridge-1': { key: 'env:OPENBRIDGE_SECURITY_0', models: ['fast', 'mix', 'gpt-4o'] } });
    expect(env).toEqual({ OPENBRIDGE_SECURITY_0: 'sk-client-token-0123456789' });
    expect(warningsOf(warnings)).toEqual([
      'security.1: this token is too short: an imported key needs at least 20 characters; it is not imported',
      'security.2: this token repeats an earlier token; it is not imported',
    ]);
  });

  it('names every entry that lacks a field or has a bad URL', () => {
    const err = (() => {
      try {
        convertOpenBridge({ providers: [{ group: 'g', name: 'm', base: 'nope', key: 'k' }, { group: 'g' }] });
      } catch (e) {
        return e as RegistryDocumentError;
      }
    })();
    expect(err!.issues.map((i) => i.path.join('.'))).toEqual(['providers.0.base', 'providers.1.name', 'providers.1.base', 'providers.1.key']);
  });
});
