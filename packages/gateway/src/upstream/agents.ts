import type { Provider } from '@llmgw/core';
import type tls from 'node:tls';
import type { GatewayConfig } from '../config.js';
import type { UpstreamAgent } from './dispatcher.js';
import { H1Agent } from './h1/agent.js';
import { upstreamCaOptions } from './h1/ca-file.js';
import { proxySettings, type ProxySettings } from './h1/proxy-settings.js';
import { createUndiciAgent } from './h1/undici-agent.js';

export interface AgentOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  /** `native`: our HTTP/1.1 client (h1/); `undici`: undici's Agent, the fallback. */
  client: 'native' | 'undici';
  /** Most connections open at once to one origin, per provider (0 or unset: no bound); further requests wait, first in first out. */
  maxConnectionsPerOrigin?: number;
  /** Extra TLS options for https upstreams (GW_UPSTREAM_CA_FILE's context; tests: a self-signed `ca`). */
  tls?: tls.ConnectionOptions;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read at boot; null: no proxy. */
  proxy?: ProxySettings | null;
}

/** The agents' options from the configuration; reads the files it names (throws ConfigError). */
export function upstreamAgentOptions(config: GatewayConfig): AgentOptions {
  return {
    connectTimeoutMs: config.GW_CONNECT_TIMEOUT_MS,
    keepAliveMs: config.GW_UPSTREAM_KEEPALIVE_MS,
    client: config.GW_UPSTREAM_CLIENT,
    maxConnectionsPerOrigin: config.GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN,
    ...(config.GW_UPSTREAM_CA_FILE ? { tls: upstreamCaOptions(config.GW_UPSTREAM_CA_FILE) } : {}),
    proxy: proxySettings(config),
  };
}

/** Build one agent of the configured client. */
export function createAgent(opts: AgentOptions, connectTimeoutMs: number): UpstreamAgent {
  const o = { connectTimeoutMs, keepAliveMs: opts.keepAliveMs, maxConnectionsPerOrigin: opts.maxConnectionsPerOrigin ?? 0, tls: opts.tls, proxy: opts.proxy ?? null };
  return opts.client === 'undici' ? createUndiciAgent(o) : new H1Agent(o);
}

/**
 * One agent (keep-alive pools per origin) per provider, so each provider gets its own
 * connect timeout; rebuilt when that timeout changes.
 */
export class UpstreamAgents {
  private readonly agents = new Map<string, { agent: UpstreamAgent; connectTimeout: number }>();

  constructor(private readonly opts: AgentOptions) {}

  for(provider: Provider): UpstreamAgent {
    const connectTimeout = provider.connect_timeout_ms ?? this.opts.connectTimeoutMs;
    const cur = this.agents.get(provider.name);
    if (cur && cur.connectTimeout === connectTimeout) return cur.agent;
    if (cur) void cur.agent.close().catch(() => {});
    const agent = createAgent(this.opts, connectTimeout);
    this.agents.set(provider.name, { agent, connectTimeout });
    return agent;
  }

  /** Close every pool: wait for requests in flight, or with `force` abort them (drain deadline passed). */
  async close(force = false): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => (force ? a.agent.destroy() : a.agent.close()).catch(() => {})));
    this.agents.clear();
  }
}
