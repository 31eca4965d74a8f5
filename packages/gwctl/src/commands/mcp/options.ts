import { type Command, Option } from 'commander';
import { getMcpServer, maskHeaderValues, MCP_TRANSPORTS, type McpServer, type McpTransport } from '@llmgw/core';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import { parseHeader, parseInteger } from '../../parse.js';

/** The settings `mcp add` and `mcp edit` share (commander's camelCase names). */
export interface McpFlags {
  url?: string;
  transport?: McpTransport;
  /** Static upstream headers (`Name: value`, the value literal or `env:VAR`); edit adds or replaces by name. */
  header?: Array<[string, string]>;
  timeoutMs?: number | false;
  description?: string;
}

const collectHeader = (v: string, prev: Array<[string, string]> | undefined) => [...(prev ?? []), parseHeader(v)];

export function withMcpFlags(cmd: Command, mode: 'add' | 'edit'): Command {
  cmd
    .option('--url <url>', 'the upstream MCP endpoint (http or https), e.g. https://mcp.example.com/mcp')
    .addOption(new Option('--transport <transport>', 'streamable-http (MCP 2025-03-26+, default) or sse (the older HTTP+SSE transport: the URL of its SSE stream)').choices(MCP_TRANSPORTS))
    .option("--header <'Name: value'>", "a static header sent upstream (repeatable); a value env:VAR is read on each gateway pod and never stored", collectHeader)
    .option('--timeout-ms <ms>', 'deadline of one upstream call (default GW_MCP_TIMEOUT_MS)', parseInteger)
    .option('--description <text>', 'what it is for (shown in lists)');
  if (mode === 'edit') cmd.option('--no-timeout-ms', "use the gateway's default deadline again");
  return cmd;
}

/** The registry fields the flags set (only those given). */
export function mcpChange(f: McpFlags): Partial<McpServer> {
  const c: Partial<McpServer> = {};
  if (f.url !== undefined) c.url = f.url;
  if (f.transport !== undefined) c.transport = f.transport;
  if (f.timeoutMs !== undefined) c.timeout_ms = f.timeoutMs === false ? undefined : f.timeoutMs;
  if (f.description !== undefined) c.description = f.description;
  return c;
}

/** The server or a user error naming it. */
export async function mustGetMcp(ctx: Context, name: string): Promise<McpServer> {
  const s = await getMcpServer(ctx.registry, name, (bad) => ctx.out.warn(`skipping invalid record ${bad.key}: ${bad.problem}`));
  if (!s) throw new UserError(`mcp server "${name}" does not exist`, 'see gwctl mcp list');
  return s;
}

/** A server as shown: literal header values masked (`env:VAR` references as they are). */
export function toMcpView(s: McpServer): McpServer {
  return { ...s, headers: maskHeaderValues(s.headers) };
}
