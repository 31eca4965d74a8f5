/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read once at boot, with the semantics of undici's
 * EnvHttpProxyAgent (the fallback client gets the same values): an https upstream goes through
 * HTTPS_PROXY, or HTTP_PROXY when that is unset; an http upstream through HTTP_PROXY; NO_PROXY
 * lists hosts reached directly. Unlike undici, a bare IPv6 address in NO_PROXY (`::1`) is read
 * as an address, not as `:` with port 1.
 */

/** One proxy. Only http:// proxies: https upstreams are tunnelled through them with CONNECT. */
export interface ProxyEndpoint {
  /** The URL as configured, credentials included (undici's ProxyAgent takes it so). */
  url: string;
  /** `http://host:port`, never the credentials: for logs and error messages. */
  display: string;
  /** To connect to (an IPv6 address without its brackets). */
  hostname: string;
  port: number;
  /** `Basic …` from the URL's `user:password`, or null. */
  authorization: string | null;
}

interface NoProxyEntry {
  /** Lower case, without a leading `.` or `*.`, an IPv6 address without brackets. */
  host: string;
  /** 0: any port. */
  port: number;
}

export interface ProxySettings {
  /** For http:// upstreams. */
  http: ProxyEndpoint | null;
  /** For https:// upstreams (HTTPS_PROXY, else HTTP_PROXY). */
  https: ProxyEndpoint | null;
  /** NO_PROXY as configured. */
  noProxy: string;
  /** NO_PROXY is `*`: no upstream goes through a proxy. */
  bypassAll: boolean;
  bypass: NoProxyEntry[];
}

/** The environment variables, already resolved (lower-case names win, as in curl and undici). */
export interface ProxyEnv {
  HTTPS_PROXY?: string | undefined;
  HTTP_PROXY?: string | undefined;
  NO_PROXY?: string | undefined;
}

/** `host:port` alone means http://, as curl reads it. */
const withScheme = (v: string): string => (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`);

/** Why `value` cannot be a proxy URL, or null when it can. */
export function proxyUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(withScheme(value.trim()));
  } catch {
    return 'not a URL; expected http://[user:password@]host[:port]';
  }
  if (url.protocol === 'https:') return 'TLS to the proxy (https://) is not supported; an http:// proxy carries https upstreams through CONNECT';
  if (url.protocol !== 'http:') return `${url.protocol.slice(0, -1)} proxies are not supported; expected http://[user:password@]host[:port]`;
  if (url.hostname === '') return 'no host; expected http://[user:password@]host[:port]';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return 'a proxy URL has no path or query; expected http://[user:password@]host[:port]';
  if (url.username !== '' && url.password === '') return 'a user without a password; expected http://user:password@host[:port]';
  return null;
}

/** Parse a proxy URL that proxyUrlProblem accepted. */
export function parseProxyUrl(value: string): ProxyEndpoint {
  const problem = proxyUrlProblem(value);
  if (problem !== null) throw new Error(problem);
  const url = new URL(withScheme(value.trim()));
  const port = url.port ? Number(url.port) : 80;
  const authorization =
    url.username !== '' ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
  return {
    url: url.href,
    display: `http://${url.hostname}:${port}`,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port,
    authorization,
  };
}

function parseNoProxy(value: string): NoProxyEntry[] {
  const out: NoProxyEntry[] = [];
  for (const entry of value.split(/[,\s]/)) {
    if (entry === '') continue;
    let host = entry;
    let port = 0;
    const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
    if (bracketed !== null) {
      host = bracketed[1]!;
      port = bracketed[2] ? Number(bracketed[2]) : 0;
    } else if (entry.indexOf(':') === entry.lastIndexOf(':')) {
      // One colon at most: `host:port`. More: a bare IPv6 address.
      const withPort = /^(.+):(\d+)$/.exec(entry);
      if (withPort !== null) {
        host = withPort[1]!;
        port = Number(withPort[2]);
      }
    }
    out.push({ host: host.replace(/^\*?\./, '').toLowerCase(), port });
  }
  return out;
}

/** The proxy settings of `env`, or null when no proxy is configured. Throws on a bad proxy URL (the config schema checks them first). */
export function proxySettings(env: ProxyEnv): ProxySettings | null {
  const http = env.HTTP_PROXY ? parseProxyUrl(env.HTTP_PROXY) : null;
  const https = env.HTTPS_PROXY ? parseProxyUrl(env.HTTPS_PROXY) : http;
  if (http === null && https === null) return null;
  const noProxy = env.NO_PROXY ?? '';
  return { http, https, noProxy, bypassAll: noProxy.trim() === '*', bypass: parseNoProxy(noProxy) };
}

/**
 * The proxy an upstream goes through, or null to connect directly. `hostname`: lower case, an
 * IPv6 address without brackets (as Pool keeps it); `port`: the origin's, its scheme's default
 * filled in. A NO_PROXY entry matches its host and every name under it (`example.com` and
 * `.example.com` both match `api.example.com`), on any port unless it names one.
 */
export function proxyFor(s: ProxySettings, secure: boolean, hostname: string, port: number): ProxyEndpoint | null {
  const proxy = secure ? s.https : s.http;
  if (proxy === null || s.bypassAll) return null;
  const host = hostname.toLowerCase();
  for (const e of s.bypass) {
    if (e.port !== 0 && e.port !== port) continue;
    if (host === e.host || (host.length > e.host.length && host.endsWith(e.host) && host.charCodeAt(host.length - e.host.length - 1) === 46)) return null;
  }
  return proxy;
}

/** What the startup log says: the proxies without credentials, and NO_PROXY. */
export function describeProxySettings(s: ProxySettings): { httpsProxy: string | null; httpProxy: string | null; noProxy: string } {
  return { httpsProxy: s.https?.display ?? null, httpProxy: s.http?.display ?? null, noProxy: s.noProxy };
}
