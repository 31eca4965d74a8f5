import { REDIS_KEYS } from './redis-keys.js';
import type { Registry } from './registry.js';
import { RegistryValidationError } from './registry.js';
import { RegistryConflictError, writeEntity } from './registry-write.js';
import { formatIssues, McpServerSchema, SCHEMA_VERSION, toRedisHash, type McpServer } from './schemas.js';

/**
 * The upstream MCP servers of the registry (`gw:mcp:<name>`, indexed in `gw:mcps`): written
 * like providers (validated, atomic, `gw:rev` bumped, `gw:events` published), so every pod's
 * cache drops its copy at once.
 */

/** A record that fails validation is reported to `onInvalid` and read as absent. */
type OnInvalid = (bad: { key: string; problem: string }) => void;

function decode(key: string, raw: Record<string, string>, onInvalid?: OnInvalid): McpServer | null {
  if (!raw || Object.keys(raw).length === 0) return null;
  const r = McpServerSchema.safeParse(raw);
  if (r.success) return r.data;
  onInvalid?.({ key, problem: formatIssues(r.error) });
  return null;
}

export async function getMcpServer(registry: Registry, name: string, onInvalid?: OnInvalid): Promise<McpServer | null> {
  const key = REDIS_KEYS.mcp(name);
  return decode(key, await registry.redis.hgetall(key), onInvalid);
}

export async function listMcpServers(registry: Registry, onInvalid?: OnInvalid): Promise<McpServer[]> {
  const names = (await registry.redis.smembers(REDIS_KEYS.mcps)).sort();
  const out: McpServer[] = [];
  // One server at a time keeps it Cluster-safe; there are few of them and only the CLI and cache misses list them.
  for (const n of names) {
    const s = await getMcpServer(registry, n, onInvalid);
    if (s) out.push(s);
  }
  return out;
}

function validate(input: unknown): McpServer {
  const r = McpServerSchema.safeParse(input);
  if (!r.success) throw new RegistryValidationError(`invalid mcp server: ${formatIssues(r.error)}`);
  return r.data;
}

/** Register a server; fails if the name is taken. */
export async function addMcpServer(registry: Registry, input: Partial<McpServer> & { name: string; url: string }, now = new Date()): Promise<McpServer> {
  const at = now.toISOString();
  const s = { ...validate(input), v: SCHEMA_VERSION, created_at: at, updated_at: at };
  await writeEntity(registry.redis, 'mcp', REDIS_KEYS.mcp(s.name), s.name, 'put', { kind: 'absent' }, toRedisHash(s));
  await registry.audit('mcp.create', s.name, null, s);
  return s;
}

/** Change a server (optimistic: fails if it changed meanwhile). */
export async function updateMcpServer(registry: Registry, name: string, change: (s: McpServer) => Partial<McpServer>, now = new Date()): Promise<McpServer> {
  const prev = await getMcpServer(registry, name);
  if (!prev) throw new RegistryConflictError(`mcp server "${name}" does not exist`, 'missing');
  const next = { ...validate({ ...prev, ...change(prev), name }), v: SCHEMA_VERSION, created_at: prev.created_at, updated_at: now.toISOString() };
  await writeEntity(registry.redis, 'mcp', REDIS_KEYS.mcp(name), name, 'put', { kind: 'unchanged', updatedAt: prev.updated_at }, toRedisHash(next));
  await registry.audit('mcp.update', name, prev, next);
  return next;
}

export async function deleteMcpServer(registry: Registry, name: string): Promise<void> {
  const prev = await getMcpServer(registry, name);
  await writeEntity(registry.redis, 'mcp', REDIS_KEYS.mcp(name), name, 'del', { kind: 'any' });
  await registry.audit('mcp.delete', name, prev, null);
}
