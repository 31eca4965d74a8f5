import type { Provider } from '@llmgw/core';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Agent } from 'undici';
import { ConfigError, type GatewayConfig } from '../config.js';
import type { UpstreamAgent } from './dispatcher.js';
import { H1Agent } from './h1/agent.js';

export interface AgentOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  /** `native`: our HTTP/1.1 client (h1/); `undici`: undici's Agent, the fallback. */
  client: 'native' | 'undici';
  /** Most connections open at once to one origin, per provider (0 or unset: no bound); further requests wait, first in first out. */
  maxConnectionsPerOrigin?: number;
  /** Extra TLS options for https upstreams (GW_UPSTREAM_CA_FILE's context; tests: a self-signed `ca`). */
  tls?: tls.ConnectionOptions;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * TLS options trusting the CAs of the PEM bundle `file` (GW_UPSTREAM_CA_FILE) on top of Node's
 * default CAs (Mozilla's), for upstreams only. One secure context, built here once: a `ca`
 * option would build one per connection. Throws ConfigError naming the variable.
 */
export function upstreamCaOptions(file: string): tls.ConnectionOptions {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`invalid configuration: GW_UPSTREAM_CA_FILE=${JSON.stringify(file)}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // createSecureContext skips what it cannot parse without a word: check each certificate here.
  const found = pem.match(PEM_CERTIFICATE) ?? [];
  if (found.length === 0) throw new ConfigError(`invalid configuration: GW_UPSTREAM_CA_FILE=${JSON.stringify(file)}: no PEM certificate in it`);
  for (const [i, c] of found.entries()) {
    try {
      new X509Certificate(c);
    } catch (e) {
      throw new ConfigError(`invalid configuration: GW_UPSTREAM_CA_FILE=${JSON.stringify(file)}: certificate #${i + 1} cannot be parsed (${(e as Error).message})`);
    }
  }
  return { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...found] }) };
}

/** The agents' options from the configuration; reads the files it names (throws ConfigError). */
export function upstreamAgentOptions(config: GatewayConfig): AgentOptions {
  return {
    connectTimeoutMs: config.GW_CONNECT_TIMEOUT_MS,
    keepAliveMs: config.GW_UPSTREAM_KEEPALIVE_MS,
    client: config.GW_UPSTREAM_CLIENT,
    maxConnectionsPerOrigin: config.GW_UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN,
    ...(config.GW_UPSTREAM_CA_FILE ? { tls: upstreamCaOptions(config.GW_UPSTREAM_CA_FILE) } : {}),
  };
}

/** Build one agent of the configured client. */
export function createAgent(opts: AgentOptions, connectTimeoutMs: number): UpstreamAgent {
  if (opts.client === 'undici') {
    return new Agent({
      connect: { timeout: connectTimeoutMs, ...opts.tls },
      keepAliveTimeout: opts.keepAliveMs,
      keepAliveMaxTimeout: opts.keepAliveMs,
      pipelining: 1,
      connections: opts.maxConnectionsPerOrigin || null,
    });
  }
  return new H1Agent({ connectTimeoutMs, keepAliveMs: opts.keepAliveMs, maxConnectionsPerOrigin: opts.maxConnectionsPerOrigin ?? 0, ...(opts.tls ? { tls: opts.tls } : {}) });
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
