import type { Provider } from '@llmgw/core';
import { Agent } from 'undici';

export interface AgentOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
}

/**
 * One undici Agent (keep-alive pools per origin) per provider, so each provider gets its
 * own connect timeout; rebuilt when that timeout changes.
 */
export class UpstreamAgents {
  private readonly agents = new Map<string, { agent: Agent; connectTimeout: number }>();

  constructor(private readonly opts: AgentOptions) {}

  for(provider: Provider): Agent {
    const connectTimeout = provider.connect_timeout_ms ?? this.opts.connectTimeoutMs;
    const cur = this.agents.get(provider.name);
    if (cur && cur.connectTimeout === connectTimeout) return cur.agent;
    if (cur) void cur.agent.close().catch(() => {});
    const agent = new Agent({
      connect: { timeout: connectTimeout },
      keepAliveTimeout: this.opts.keepAliveMs,
      keepAliveMaxTimeout: this.opts.keepAliveMs,
      pipelining: 1,
      connections: null,
    });
    this.agents.set(provider.name, { agent, connectTimeout });
    return agent;
  }

  /** Close every pool: wait for requests in flight, or with `force` abort them (drain deadline passed). */
  async close(force = false): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => (force ? a.agent.destroy() : a.agent.close()).catch(() => {})));
    this.agents.clear();
  }
}
