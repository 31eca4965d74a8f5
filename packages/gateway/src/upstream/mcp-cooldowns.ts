import { RT_KEYS, type RedisClient } from '@llmgw/core';
import type { Logger } from '../logger.js';

interface Seen {
  /** Epoch ms the server's cooldown ends (0: none known). */
  until: number;
  /** When Redis was last asked or written (epoch ms). */
  readAt: number;
}

/**
 * Upstream MCP servers' cooldowns shared by every pod through Redis, like the LLM providers':
 * a pod whose call fails writes `gw:rt:{mcp}:cooldown:<server>` (the end, expiring then); a
 * pod about to call reads it at most once per `refreshMs` per server, so a server another pod
 * found dead is skipped here too within `refreshMs`. A cooldown ends when it expires, or when
 * the key is deleted (every pod within `refreshMs`); a later failure on any pod starts a new one.
 * Written last wins: two pods failing at once leave the later end.
 * Redis unreachable: each pod keeps its own cooldowns (fails open to the per-pod behaviour).
 */
export class McpCooldowns {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly redis: RedisClient | null,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  /** When the server's cooldown ends (epoch ms; ≤ now: not cooling). */
  async until(server: string, now = Date.now()): Promise<number> {
    const s = this.seen.get(server);
    if (!this.redis || (s && now - s.readAt < this.refreshMs)) return s?.until ?? 0;
    let until: number;
    try {
      until = Number((await this.redis.get(RT_KEYS.mcpCooldown(server))) ?? 0) || 0;
    } catch (e) {
      this.log.debug({ err: (e as Error).message, mcpServer: server }, 'MCP cooldown not readable from Redis; using this pod\'s');
      return s?.until ?? 0;
    }
    this.seen.set(server, { until, readAt: now });
    return until;
  }

  /** The server failed: it cools down until `until`, on this pod at once and on the others within their refresh. */
  mark(server: string, until: number, now = Date.now()): void {
    this.seen.set(server, { until, readAt: now });
    if (!this.redis || until <= now) return;
    this.redis.set(RT_KEYS.mcpCooldown(server), String(until), 'PX', until - now).catch((e: unknown) => {
      this.log.debug({ err: (e as Error).message, mcpServer: server }, 'MCP cooldown not written to Redis; this pod keeps it');
    });
  }

  /** The server answered: what this pod knew of its cooldown is over. */
  clear(server: string): void {
    const s = this.seen.get(server);
    if (s && s.until !== 0) this.seen.set(server, { until: 0, readAt: s.readAt });
  }
}
