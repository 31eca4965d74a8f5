import { describe, expect, it } from 'vitest';
import { describeProxySettings, parseProxyUrl, proxyFor, proxySettings, proxyUrlProblem, type ProxySettings } from './proxy-settings.js';

const settings = (NO_PROXY?: string, more: { HTTPS_PROXY?: string; HTTP_PROXY?: string } = { HTTP_PROXY: 'http://proxy:3128' }): ProxySettings =>
  proxySettings({ ...more, NO_PROXY })!;
/** Whether an upstream of that scheme, host and port goes through the proxy. */
const proxied = (s: ProxySettings, origin: string) => {
  const u = new URL(origin);
  const secure = u.protocol === 'https:';
  return proxyFor(s, secure, u.hostname.replace(/^\[|\]$/g, ''), u.port ? Number(u.port) : secure ? 443 : 80) !== null;
};

describe('proxy URLs', () => {
  it('reads http://user:password@host:port, credentials only in the Proxy-Authorization value', () => {
    const p = parseProxyUrl('http://me%40corp:p%3Ass@proxy.corp:3128');
    expect(p).toMatchObject({ display: 'http://proxy.corp:3128', hostname: 'proxy.corp', port: 3128 });
    expect(p.authorization).toBe(`Basic ${Buffer.from('me@corp:p:ss').toString('base64')}`);
    expect(parseProxyUrl('http://proxy.corp').port).toBe(80);
    expect(parseProxyUrl('proxy.corp:8080')).toMatchObject({ display: 'http://proxy.corp:8080', authorization: null });
    expect(parseProxyUrl('http://[::1]:3128')).toMatchObject({ hostname: '::1', display: 'http://[::1]:3128' });
  });

  it('refuses what it cannot use, saying why', () => {
    expect(proxyUrlProblem('https://proxy:443')).toMatch(/https:\/\/\) is not supported/);
    expect(proxyUrlProblem('socks5://proxy:1080')).toMatch(/^socks5 proxies are not supported/);
    expect(proxyUrlProblem('http://proxy:3128/some/path')).toMatch(/no path/);
    expect(proxyUrlProblem('http://user@proxy:3128')).toMatch(/a user without a password/);
    expect(proxyUrlProblem('http://proxy:3128/')).toBeNull();
  });
});

describe('HTTPS_PROXY, HTTP_PROXY', () => {
  it('sends https upstreams through HTTPS_PROXY, else HTTP_PROXY; http upstreams through HTTP_PROXY only (as undici)', () => {
    const both = settings(undefined, { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://h:2' });
    expect(proxyFor(both, true, 'api', 443)!.display).toBe('http://s:1');
    expect(proxyFor(both, false, 'api', 80)!.display).toBe('http://h:2');
    const httpOnly = settings(undefined, { HTTP_PROXY: 'http://h:2' });
    expect(proxyFor(httpOnly, true, 'api', 443)!.display).toBe('http://h:2');
    const httpsOnly = settings(undefined, { HTTPS_PROXY: 'http://s:1' });
    expect(proxyFor(httpsOnly, false, 'api', 80)).toBeNull();
    expect(proxySettings({ NO_PROXY: 'x' })).toBeNull();
  });

  it('describes itself for the startup log without credentials', () => {
    expect(describeProxySettings(settings('localhost', { HTTPS_PROXY: 'http://u:secret@proxy:3128' }))).toEqual({ httpsProxy: 'http://proxy:3128', httpProxy: null, noProxy: 'localhost' });
  });
});

describe('NO_PROXY', () => {
  it('matches a name and every name under it, however the entry is written', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com']) {
      const s = settings(entry);
      expect(proxied(s, 'https://example.com'), entry).toBe(false);
      expect(proxied(s, 'https://api.Example.com'), entry).toBe(false);
      expect(proxied(s, 'https://notexample.com'), entry).toBe(true);
      expect(proxied(s, 'https://example.com.evil'), entry).toBe(true);
    }
  });

  it('matches a port when the entry names one', () => {
    const s = settings('internal:8443, other.test');
    expect(proxied(s, 'https://internal:8443')).toBe(false);
    expect(proxied(s, 'https://internal')).toBe(true);
    expect(proxied(s, 'http://other.test:9000')).toBe(false);
  });

  it('matches IP addresses exactly, IPv6 with or without brackets', () => {
    const s = settings('10.0.0.1 ::1 [fd00::2]:8080');
    expect(proxied(s, 'http://10.0.0.1:9000')).toBe(false);
    expect(proxied(s, 'http://10.0.0.11')).toBe(true);
    expect(proxied(s, 'https://[::1]:8443')).toBe(false);
    expect(proxied(s, 'http://[fd00::2]:8080')).toBe(false);
    expect(proxied(s, 'http://[fd00::2]:8081')).toBe(true);
  });

  it('* alone sends nothing through the proxy; empty sends everything', () => {
    expect(proxied(settings('*'), 'https://anything.example')).toBe(false);
    expect(proxied(settings(''), 'https://localhost')).toBe(true);
    expect(proxied(settings(undefined), 'https://127.0.0.1')).toBe(true);
  });
});
