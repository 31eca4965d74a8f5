import type { Registry } from './registry.js';
import { INDEX } from './registry-write.js';
import { listMcpServers } from './registry-mcp.js';
import type { ApiKey, McpServer, Model, Provider } from './schemas.js';

/** The registry as a bulk apply compares a document with it. */
export interface CurrentRegistry {
  providers: Map<string, Provider>;
  models: Map<string, Model>;
  /** Keys by name (the first of several with one name). */
  keys: Map<string, ApiKey>;
  allKeys: ApiKey[];
  /** Index members whose record is missing or invalid (reported through the registry's onInvalid): replaced or pruned without a check. */
  brokenProviders: Set<string>;
  brokenModels: Set<string>;
  mcpServers: Map<string, McpServer>;
  brokenMcpServers: Set<string>;
  /** Names that more than one key carries. */
  duplicateKeyNames: Set<string>;
}

export async function readCurrentRegistry(registry: Registry): Promise<CurrentRegistry> {
  const [providers, models, keys, providerMembers, modelMembers, mcpServers, mcpMembers] = await Promise.all([
    registry.listProviders(),
    registry.listModels(),
    registry.listKeys(),
    registry.redis.smembers(INDEX.provider),
    registry.redis.smembers(INDEX.model),
    listMcpServers(registry),
    registry.redis.smembers(INDEX.mcp),
  ]);
  const current: CurrentRegistry = {
    providers: new Map(providers.map((p) => [p.name, p])),
    models: new Map(models.map((m) => [m.name, m])),
    keys: new Map(),
    allKeys: keys,
    brokenProviders: new Set(),
    brokenModels: new Set(),
    mcpServers: new Map(mcpServers.map((s) => [s.name, s])),
    brokenMcpServers: new Set(),
    duplicateKeyNames: new Set(),
  };
  for (const n of providerMembers) if (!current.providers.has(n)) current.brokenProviders.add(n);
  for (const n of modelMembers) if (!current.models.has(n)) current.brokenModels.add(n);
  for (const n of mcpMembers) if (!current.mcpServers.has(n)) current.brokenMcpServers.add(n);
  for (const k of keys) {
    if (current.keys.has(k.name)) current.duplicateKeyNames.add(k.name);
    else current.keys.set(k.name, k);
  }
  return current;
}
