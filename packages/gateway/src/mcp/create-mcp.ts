import type { RedisClient } from '@llmgw/core';
import type { RegistryCache } from '../cache/registry-cache.js';
import type { GatewayConfig } from '../config.js';
import type { Governance } from '../governance/governance.js';
import type { Logger } from '../logger.js';
import { GATEWAY_VERSION } from '../observability/status.js';
import { McpCooldowns } from '../upstream/mcp-cooldowns.js';
import { McpPool } from '../upstream/mcp-pool.js';
import { McpCatalog } from './catalog.js';
import type { McpDeps } from './serve.js';
import { sessionKeys } from './session.js';

/** The MCP endpoint's parts, built once at boot; `close` ends the upstream connections. */
export function createMcp(
  config: Pick<GatewayConfig, 'GW_MCP_TIMEOUT_MS' | 'GW_MCP_COOLDOWN_MS' | 'GW_MCP_LIST_TTL_MS' | 'GW_MCP_SESSION_TTL_S' | 'GW_MCP_SESSION_SECRET' | 'GW_HEALTH_REFRESH_MS'>,
  p: { redis: RedisClient; cache: RegistryCache; governance: Pick<Governance, 'account' | 'admitToolCall'>; log: Logger; env?: NodeJS.ProcessEnv },
): { deps: McpDeps; close(): Promise<void> } {
  const pool = new McpPool({ timeoutMs: config.GW_MCP_TIMEOUT_MS, cooldownMs: config.GW_MCP_COOLDOWN_MS, cooldowns: new McpCooldowns(p.redis, config.GW_HEALTH_REFRESH_MS, p.log), env: p.env ?? process.env, log: p.log });
  const deps: McpDeps = {
    cache: p.cache,
    pool,
    catalog: new McpCatalog(pool, config.GW_MCP_LIST_TTL_MS),
    log: p.log,
    account: p.governance.account,
    admitToolCall: p.governance.admitToolCall,
    sessions: sessionKeys(p.redis, config.GW_MCP_SESSION_SECRET),
    sessionTtlMs: config.GW_MCP_SESSION_TTL_S * 1000,
    version: GATEWAY_VERSION,
  };
  return { deps, close: () => pool.close() };
}
