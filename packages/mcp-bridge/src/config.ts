import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** One stdio MCP server the bridge runs: a command, as an MCP client's `mcpServers` entry says it. */
const StdioServer = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Extra environment of the process (added to the bridge's PATH and HOME only). */
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
});

/** The bridge's file: `{"mcpServers": {"files": {"command": "npx", "args": [...]}}}` (Claude Desktop's shape). */
const BridgeFile = z.object({
  mcpServers: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'names are letters, digits, _ and -'), StdioServer),
});

const Env = z.object({
  /** Path of the JSON file above, or the JSON itself in MCP_BRIDGE_SERVERS. */
  MCP_BRIDGE_CONFIG: z.string().optional(),
  MCP_BRIDGE_SERVERS: z.string().optional(),
  MCP_BRIDGE_HOST: z.string().default('127.0.0.1'),
  MCP_BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  /** When set, every request must carry `Authorization: Bearer <token>` (give it to the gateway with gwctl mcp add --header). */
  MCP_BRIDGE_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** A session (one child process) with no message for this long is ended. */
  MCP_BRIDGE_IDLE_MS: z.coerce.number().int().positive().default(600_000),
});

export type StdioServerConfig = z.output<typeof StdioServer>;
export interface BridgeConfig extends Omit<z.output<typeof Env>, 'MCP_BRIDGE_CONFIG' | 'MCP_BRIDGE_SERVERS'> {
  servers: Record<string, StdioServerConfig>;
}

/** Read and check the configuration once; throws an Error naming what is wrong. */
export function loadBridgeConfig(env: NodeJS.ProcessEnv): BridgeConfig {
  const e = Env.safeParse(env);
  if (!e.success) throw new Error(`invalid configuration: ${e.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { MCP_BRIDGE_CONFIG: file, MCP_BRIDGE_SERVERS: inline, ...rest } = e.data;
  if (!file === !inline) throw new Error('set exactly one of MCP_BRIDGE_CONFIG (a JSON file) and MCP_BRIDGE_SERVERS (the JSON)');
  let raw: unknown;
  try {
    raw = JSON.parse(inline ?? readFileSync(file!, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the servers (${file ?? 'MCP_BRIDGE_SERVERS'}): ${(err as Error).message}`, { cause: err });
  }
  const f = BridgeFile.safeParse(raw);
  if (!f.success) throw new Error(`invalid servers: ${f.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...rest, servers: f.data.mcpServers };
}
