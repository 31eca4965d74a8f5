import { describe, expect, it } from 'vitest';
import { normalizeBaseUrl } from './base-url.js';

describe('normalizeBaseUrl', () => {
  it("appends a well-known host's API path to its bare origin", () => {
    expect(normalizeBaseUrl('https://api.openai.com')).toMatchObject({ url: 'https://api.openai.com/v1', kind: 'appended' });
    expect(normalizeBaseUrl('https://api.openai.com/')).toMatchObject({ url: 'https://api.openai.com/v1', kind: 'appended' });
    expect(normalizeBaseUrl('https://openrouter.ai', 'openai').url).toBe('https://openrouter.ai/api/v1');
    expect(normalizeBaseUrl('https://api.groq.com').url).toBe('https://api.groq.com/openai/v1');
    expect(normalizeBaseUrl('https://api.anthropic.com', 'anthropic').url).toBe('https://api.anthropic.com/v1');
    expect(normalizeBaseUrl('https://api.openai.com').message).toMatch(/^base URL https:\/\/api\.openai\.com is the bare host; using https:\/\/api\.openai\.com\/v1/);
  });

  it('keeps a URL with a path, an Azure endpoint, and an unknown bare host (which it flags)', () => {
    expect(normalizeBaseUrl('https://api.openai.com/v1')).toEqual({ url: 'https://api.openai.com/v1', kind: 'ok', message: '' });
    expect(normalizeBaseUrl('https://proxy.example/api')).toMatchObject({ kind: 'ok' });
    expect(normalizeBaseUrl('https://x.openai.azure.com', 'azure')).toMatchObject({ url: 'https://x.openai.azure.com', kind: 'ok' });
    const unknown = normalizeBaseUrl('http://127.0.0.1:8000');
    expect(unknown).toMatchObject({ url: 'http://127.0.0.1:8000', kind: 'no-path' });
    expect(unknown.message).toMatch(/requests go to http:\/\/127\.0\.0\.1:8000\/chat\/completions.*give http:\/\/127\.0\.0\.1:8000\/v1 if yours does/);
    // The host's path is per type: api.openai.com as an anthropic provider is not guessed.
    expect(normalizeBaseUrl('https://api.openai.com', 'anthropic').kind).toBe('no-path');
    expect(normalizeBaseUrl('not a url')).toMatchObject({ url: 'not a url', kind: 'ok' });
  });
});
