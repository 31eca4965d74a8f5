import { describe, expect, it } from 'vitest';
import { defaultAuthForm, providerAuthHeader } from './provider-auth.js';
import { ApiKeySchema, ModelSchema, ProviderSchema, toRedisHash } from './schemas.js';

describe('ProviderSchema', () => {
  it('fills defaults and round-trips through a Redis hash', () => {
    const p = ProviderSchema.parse({ name: 'openai', base_url: 'https://api.openai.com/v1', secrets: ['env:OPENAI_API_KEY'] });
    expect(p).toMatchObject({ type: 'openai', auth_type: 'bearer', weight: 1, priority: 0, status: 'active', models: [] });
    const hash = toRedisHash(p);
    expect(hash.secrets).toBe('["env:OPENAI_API_KEY"]');
    expect(hash.weight).toBe('1');
    expect(ProviderSchema.parse(hash)).toEqual(p);
  });

  it.each([
    [{ name: 'x', base_url: 'ftp://host/v1' }, 'base_url'],
    [{ name: '-bad', base_url: 'http://h/v1' }, 'name'],
    [{ name: 'x', base_url: 'http://h/v1', auth_type: 'header' }, 'auth_header'],
    [{ name: 'x', base_url: 'http://h/v1', weight: '-1' }, 'weight'],
    [{ name: 'x', base_url: 'http://h/v1', secrets: 'not json' }, 'secrets'],
    [{ name: 'x', base_url: 'http://h/v1', secrets: ['env:1BAD'] }, 'secrets'],
    [{ name: 'x', base_url: 'http://h/v1', type: 'gopher' }, 'type'],
    [{ name: 'x', base_url: 'http://h/v1', auth_prefix: 'Token ' }, 'auth_prefix'],
    [{ name: 'x', base_url: 'http://h/v1', auth_type: 'none', auth_prefix: 'Token ' }, 'auth_prefix'],
    [{ name: 'x', base_url: 'http://h/v1', auth_type: 'header', auth_header: 'authorization', auth_prefix: 'Bearer\r\nX-Evil: 1 ' }, 'auth_prefix'],
    [{ name: 'x', base_url: 'http://h/v1', auth_type: 'header', auth_header: 'authorization', auth_prefix: 'x'.repeat(65) }, 'auth_prefix'],
  ])('rejects %j (%s)', (input, field) => {
    const r = ProviderSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toContain(field);
  });
});

describe('provider auth: auth_type, auth_header, auth_prefix', () => {
  it('keeps a prefix verbatim, trailing space included, through a Redis hash; empty means none', () => {
    const p = ProviderSchema.parse({ name: 'x', base_url: 'http://h/v1', auth_type: 'header', auth_header: 'Authorization', auth_prefix: 'Token ' });
    expect(p.auth_prefix).toBe('Token ');
    expect(ProviderSchema.parse(toRedisHash(p))).toEqual(p);
    expect(ProviderSchema.parse({ ...toRedisHash(p), auth_prefix: '' }).auth_prefix).toBeUndefined();
  });
  it('the one header carrying the secret', () => {
    const header = (f: Record<string, unknown>) => ProviderSchema.parse({ name: 'x', base_url: 'http://h/v1', ...f });
    expect(providerAuthHeader(header({}), 's')).toEqual(['authorization', 'Bearer s']);
    expect(providerAuthHeader(header({ type: 'anthropic' }), 's', defaultAuthForm('anthropic'))).toEqual(['x-api-key', 's']);
    expect(providerAuthHeader(header({ type: 'azure' }), 's', defaultAuthForm('azure'))).toEqual(['api-key', 's']);
    expect(providerAuthHeader(header({ auth_type: 'header', auth_header: 'X-Goog-Api-Key' }), 's')).toEqual(['x-goog-api-key', 's']);
    expect(providerAuthHeader(header({ auth_type: 'header', auth_header: 'Authorization', auth_prefix: 'Key ' }), 's')).toEqual(['authorization', 'Key s']);
    expect(providerAuthHeader(header({ auth_type: 'none' }), 's')).toBeNull();
    expect(providerAuthHeader(header({}), undefined)).toBeNull();
  });
});

describe('ApiKeySchema', () => {
  const base = { id: 'key_abc', name: 'team-a', hash: 'a'.repeat(64), prefix: 'gw-abc' };
  it('defaults to all models and any provider', () => {
    expect(ApiKeySchema.parse(base)).toMatchObject({ models: ['*'], providers: [], status: 'active', metadata: {} });
  });
  it('parses limits from their string form and treats empty strings as absent', () => {
    const k = ApiKeySchema.parse({ ...base, rpm: '600', budget_monthly: '50.5', tpm: '', policy: 'latency' });
    expect(k.rpm).toBe(600);
    expect(k.budget_monthly).toBe(50.5);
    expect(k.tpm).toBeUndefined();
    expect(k.policy).toBe('latency');
  });
  it('rejects a hash that is not sha256 hex, a bad policy and a bad date', () => {
    expect(ApiKeySchema.safeParse({ ...base, hash: 'xyz' }).success).toBe(false);
    expect(ApiKeySchema.safeParse({ ...base, policy: 'random' }).success).toBe(false);
    expect(ApiKeySchema.safeParse({ ...base, expires_at: 'tomorrow' }).success).toBe(false);
    expect(ApiKeySchema.safeParse({ ...base, rpm: '1.5' }).success).toBe(false);
  });
});

describe('ModelSchema', () => {
  it('needs targets unless it is an alias', () => {
    expect(ModelSchema.safeParse({ name: 'gpt-4o' }).success).toBe(false);
    expect(ModelSchema.safeParse({ name: 'gpt', alias_of: 'gpt-4o' }).success).toBe(true);
    expect(ModelSchema.safeParse({ name: 'gpt', alias_of: 'gpt' }).success).toBe(false);
    const m = ModelSchema.parse({ name: 'openai/gpt-4o', targets: '[{"provider":"openai","model":"gpt-4o"}]' });
    expect(m.targets[0]).toEqual({ provider: 'openai', model: 'gpt-4o', weight: 1, priority: 0 });
    expect(m.policy).toBe('round-robin');
  });

  it('takes optional first-byte and idle timeouts, positive integers, absent when empty', () => {
    const targets = '[{"provider":"openai","model":"gpt-4o"}]';
    const m = ModelSchema.parse({ name: 'o3', targets, first_byte_timeout_ms: '300000', idle_timeout_ms: '' });
    expect(m.first_byte_timeout_ms).toBe(300_000);
    expect(m.idle_timeout_ms).toBeUndefined();
    expect(ModelSchema.safeParse({ name: 'o3', targets, idle_timeout_ms: '0' }).success).toBe(false);
    expect(ModelSchema.safeParse({ name: 'o3', targets, first_byte_timeout_ms: '1.5' }).success).toBe(false);
  });
});
