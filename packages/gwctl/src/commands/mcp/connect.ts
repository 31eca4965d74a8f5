import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { resolveMcpHeaders, type McpServer } from '@llmgw/core';
import { UserError } from '../../errors.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Connect to an upstream MCP server from this shell, as a gateway pod would (its `env:` headers
 * read from this shell's environment). The caller closes the client.
 */
export async function connectMcp(s: McpServer, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Client> {
  const { headers, unset } = resolveMcpHeaders(s.headers, env);
  if (unset.length) throw new UserError(`mcp server "${s.name}" needs ${unset.join(', ')} in this shell's environment (its env: headers)`, 'export them, then run the command again');
  // Loaded here, not at startup: every other gwctl command starts without the SDK.
  const [{ Client }, { SSEClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const url = new URL(s.url);
  const transport = s.transport === 'sse' ? new SSEClientTransport(url, { requestInit: { headers } }) : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const client = new Client({ name: 'gwctl', version: '1' });
  await client.connect(transport, { timeout: timeoutMs ?? s.timeout_ms ?? DEFAULT_TIMEOUT_MS });
  return client;
}

/** An upstream failure in one line, without the headers (which may hold secrets). */
export function upstreamProblem(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').slice(0, 300);
}
