import type { Provider } from '@llmgw/core';
import type tls from 'node:tls';
import { Agent } from 'undici';
import type { UpstreamAgent } from './dispatcher.js';
import { H1Agent } from './h1/agent.js';

export interface AgentOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  /** `native`: our HTTP/1.1 client (h1/); `undici`: undici's Agent, the fallback. */
  client: 'native' | 'undici';
  /** Extra TLS options for https upstreams (tests: a self-signed `ca`). */
  tls?: tls.ConnectionOptions;
}

/** Build one agent of the configured client. */
export function createAgent(opts: AgentOptions, connectTimeoutMs: number): UpstreamAgent {
  if (opts.client === 'undici') {
    return new Agent({
      connect: { timeout: connectTimeoutMs, ...opts.tls },
      keepAliveTimeout: opts.keepAliveMs,
      keepAliveMaxTimeout: opts.keepAliveMs,
      pipelining: 1,
      connections: null,
    });
  }
  return new H1Agent({ connectTimeoutMs, keepAliveMs: opts.keepAliveMs, ...(opts.tls ? { tls: opts.tls } : {}) });
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
