import { resolveMcpHeaders, type McpServer } from '@llmgw/core';

const DEFAULT_TIMEOUT_MS = 10_000;

/** How a connection to an upstream MCP server went (`gwctl mcp test`'s report). */
export interface McpProbe {
  server: string;
  ok: boolean;
  message: string;
  server_info: { name: string; version: string } | null;
  tools: number | null;
  ms: number;
}

/** A failure in one line, without header values (they may hold secrets). */
function problem(e: unknown, headers: Record<string, string>): string {
  // fetch says only "fetch failed": the reason (ECONNREFUSED, ENOTFOUND, a blocked port, …) is its cause's.
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  let m = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ') + (why ? ` (${why.replace(/\s+/g, ' ')})` : '');
  for (const v of Object.values(headers)) if (v.length >= 4) m = m.split(v).join('****');
  return m.slice(0, 300);
}

/**
 * Connect to an upstream MCP server from the console's process, as a gateway pod would (its
 * `env:` headers read from the console's environment), initialize and list its tools.
 */
export async function probeMcp(s: McpServer, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<McpProbe> {
  const t0 = performance.now();
  const report: McpProbe = { server: s.name, ok: false, message: '', server_info: null, tools: null, ms: 0 };
  const { headers, unset } = resolveMcpHeaders(s.headers, env);
  const timeout = timeoutMs ?? s.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  if (unset.length) {
    report.message = `FAIL ${s.name}: needs ${unset.join(', ')} in the console's environment (its env: headers)`;
    return report;
  }
  // Loaded on first use: the console starts without the SDK.
  const [{ Client }, { SSEClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const url = new URL(s.url);
  const transport = s.transport === 'sse' ? new SSEClientTransport(url, { requestInit: { headers } }) : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const client = new Client({ name: 'llmgw-console', version: '1' });
  try {
    await client.connect(transport, { timeout });
    const info = client.getServerVersion();
    report.server_info = info ? { name: info.name, version: info.version } : null;
    report.tools = client.getServerCapabilities()?.tools ? (await client.listTools(undefined, { timeout })).tools.length : 0;
    report.ok = true;
  } catch (e) {
    report.message = `FAIL ${s.name}: ${problem(e, headers)}`;
  } finally {
    await client.close().catch(() => undefined);
  }
  report.ms = Math.round(performance.now() - t0);
  if (report.ok) report.message = `OK ${s.name}: ${report.server_info ? `${report.server_info.name} ${report.server_info.version}` : 'server'}, ${report.tools} tool(s), ${report.ms} ms`;
  return report;
}
