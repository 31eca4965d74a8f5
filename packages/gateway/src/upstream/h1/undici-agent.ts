import type tls from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent, Pool } from 'undici';
import { proxyConnectTimeout, proxyFailed, proxyRefused } from './errors.js';
import type { ProxySettings } from './proxy-settings.js';

export interface UndiciAgentOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  /** 0: no bound. */
  maxConnectionsPerOrigin: number;
  tls?: tls.ConnectionOptions | undefined;
  proxy?: ProxySettings | null | undefined;
}

type ConnectCallback = (err: Error | null, data: Dispatcher.ConnectData) => void;

/**
 * The client undici's ProxyAgent reaches a proxy with (its `clientFactory`): a Pool whose
 * CONNECT gets the connect timeout as its deadline (undici's default is 300 s) and whose
 * failures are the native client's ProxyErrors, naming the proxy; undici's own refusal is a
 * generic abort error ("Proxy response (407) !== 200 when HTTP Tunneling").
 */
class CheckedProxyClient extends Pool {
  private readonly display: string;

  constructor(
    url: URL,
    opts: Pool.Options,
    private readonly timeoutMs: number,
  ) {
    super(url, opts);
    this.display = `http://${url.hostname}:${url.port || 80}`;
  }

  override connect(options: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData>;
  override connect(options: Dispatcher.ConnectOptions, callback: ConnectCallback): void;
  override connect(options: Dispatcher.ConnectOptions, callback?: ConnectCallback): Promise<Dispatcher.ConnectData> | void {
    const checked = this.checked(options);
    if (callback === undefined) return checked;
    checked.then(
      (data) => callback(null, data),
      (err: Error) => callback(err, undefined as never),
    );
  }

  private async checked(options: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> {
    const authority = options.path;
    let data: Dispatcher.ConnectData;
    try {
      data = await super.connect({ ...options, headersTimeout: this.timeoutMs } as Dispatcher.ConnectOptions);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === 'UND_ERR_CONNECT_TIMEOUT' || err.code === 'UND_ERR_HEADERS_TIMEOUT') throw proxyConnectTimeout(authority, this.display, this.timeoutMs);
      throw proxyFailed(this.display, authority, err);
    }
    if (data.statusCode === 200) return data;
    data.socket.destroy();
    throw proxyRefused(this.display, authority, data.statusCode);
  }
}

/** NO_PROXY as undici reads it, to the same effect as ours (a bare IPv6 address in brackets). */
function undiciNoProxy(p: ProxySettings): string {
  if (p.bypassAll) return '*';
  return p.bypass.map((e) => `${e.host.includes(':') ? `[${e.host}]` : e.host}${e.port ? `:${e.port}` : ''}`).join(',');
}

/**
 * undici's Agent (GW_UPSTREAM_CLIENT=undici) set up as the native client: keep-alive pools, the
 * same bound per origin, the same CAs, and behind a proxy undici's EnvHttpProxyAgent given the
 * settings read at boot (tunnels with CONNECT for http and https upstreams, as ours).
 */
export function createUndiciAgent(o: UndiciAgentOptions): Dispatcher & { close(): Promise<void>; destroy(): Promise<void> } {
  const connect = { timeout: o.connectTimeoutMs, ...o.tls };
  const common = {
    keepAliveTimeout: o.keepAliveMs,
    keepAliveMaxTimeout: o.keepAliveMs,
    pipelining: 1,
    connections: o.maxConnectionsPerOrigin || null,
  };
  if (!o.proxy) return new Agent({ ...common, connect });
  return new EnvHttpProxyAgent({
    ...common,
    connect,
    // undici's reading of the environment is not used: the values read at boot are.
    httpProxy: o.proxy.http?.url ?? '',
    httpsProxy: o.proxy.https?.url ?? '',
    noProxy: undiciNoProxy(o.proxy),
    // TLS with the upstream inside the tunnel: the same CAs and timeout as a direct connection.
    requestTls: connect,
    proxyTls: { timeout: o.connectTimeoutMs },
    clientFactory: (url: URL, opts: object) => new CheckedProxyClient(url, opts, o.connectTimeoutMs),
  });
}
