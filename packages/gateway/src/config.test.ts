import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ GW_PORT: 8080, GW_HOST: '0.0.0.0', GW_CACHE_TTL_MS: 5000, GW_LOG_LEVEL: 'info', GW_EXPOSE_SELECTION: false });
    expect(c.GW_ADMIN_PORT).toBeUndefined();
  });
  it('names every bad variable', () => {
    expect(() => loadConfig({ GW_PORT: 'eighty', GW_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ GW_PORT: 'eighty', GW_LOG_LEVEL: 'loud' });
    } catch (e) {
      expect((e as Error).message).toMatch(/GW_PORT="eighty"/);
      expect((e as Error).message).toMatch(/GW_LOG_LEVEL="loud"/);
    }
  });
  it('parses booleans', () => {
    expect(loadConfig({ GW_EXPOSE_SELECTION: '1', GW_DEBUG: 'true' })).toMatchObject({ GW_EXPOSE_SELECTION: true, GW_DEBUG: true });
  });
  it("reads one-api-nginx's GATEWAY_DEBUG as GW_DEBUG; ours wins when both are set", () => {
    expect(loadConfig({ GATEWAY_DEBUG: '1' }).GW_DEBUG).toBe(true);
    expect(loadConfig({ GATEWAY_DEBUG: '1', GW_DEBUG: '0' }).GW_DEBUG).toBe(false);
    expect(() => loadConfig({ GATEWAY_DEBUG: 'loud' })).toThrow(/GATEWAY_DEBUG="loud"/);
  });
  it('picks the upstream HTTP client: native unless told undici', () => {
    expect(loadConfig({}).GW_UPSTREAM_CLIENT).toBe('native');
    expect(loadConfig({ GW_UPSTREAM_CLIENT: 'undici' }).GW_UPSTREAM_CLIENT).toBe('undici');
    expect(() => loadConfig({ GW_UPSTREAM_CLIENT: 'curl' })).toThrow(/GW_UPSTREAM_CLIENT="curl"/);
  });
  it('reads the accepted API path prefixes: any by default, or a list (/ = none)', () => {
    expect(loadConfig({}).GW_API_PATH_PREFIXES).toBe('*');
    expect(loadConfig({ GW_API_PATH_PREFIXES: ' * ' }).GW_API_PATH_PREFIXES).toBe('*');
    expect(loadConfig({ GW_API_PATH_PREFIXES: '/v1, /openai/v1/,/' }).GW_API_PATH_PREFIXES).toEqual(['/v1', '/openai/v1', '']);
    for (const bad of ['v1', '/v1,*', ',', '/v1//x', '/v 1']) expect(() => loadConfig({ GW_API_PATH_PREFIXES: bad }), bad).toThrow(/GW_API_PATH_PREFIXES=/);
  });
  it('reads the CORS origins: off by default, * or exact origins (lower-cased, no trailing slash)', () => {
    expect(loadConfig({}).GW_CORS_ORIGINS).toBeUndefined();
    expect(loadConfig({ GW_CORS_ORIGINS: '*' }).GW_CORS_ORIGINS).toBe('*');
    expect(loadConfig({ GW_CORS_ORIGINS: 'https://App.Example.com/, http://localhost:5173' }).GW_CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of ['app.example.com', 'https://a.example/path', 'https://*.example.com', 'null', '*,https://a.example']) {
      expect(() => loadConfig({ GW_CORS_ORIGINS: bad }), bad).toThrow(/GW_CORS_ORIGINS=/);
    }
  });
  it('reads the proxy variables under their lower-case names first, as curl and undici do', () => {
    expect(loadConfig({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', NO_PROXY: 'a', no_proxy: 'b', HTTP_PROXY: 'http://h:3' })).toMatchObject({
      HTTPS_PROXY: 'http://lower:2',
      NO_PROXY: 'b',
      HTTP_PROXY: 'http://h:3',
    });
    // An empty lower-case one wins too: no proxy.
    expect(loadConfig({ HTTPS_PROXY: 'http://upper:1', https_proxy: '' }).HTTPS_PROXY).toBeUndefined();
  });
  it('refuses a proxy URL it cannot use, without printing its credentials', () => {
    let message = '';
    try {
      loadConfig({ https_proxy: 'https://me:hunter2@proxy.corp:3128' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: HTTPS_PROXY="https:\/\/\*\*\*@proxy\.corp:3128": TLS to the proxy \(https:\/\/\) is not supported/);
    expect(message).not.toMatch(/hunter2/);
  });
  it('GW_WORKERS: auto by default, a count, or a clear refusal', () => {
    expect(loadConfig({}).GW_WORKERS).toBe('auto');
    expect(loadConfig({ GW_WORKERS: '4' }).GW_WORKERS).toBe(4);
    expect(loadConfig({ GW_WORKERS: 'auto' }).GW_WORKERS).toBe('auto');
    for (const bad of ['0', 'many', '1.5', '-2']) expect(() => loadConfig({ GW_WORKERS: bad })).toThrow(new RegExp(`GW_WORKERS="${bad.replace('.', '\\.')}"`));
  });
});
