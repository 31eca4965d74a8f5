// MCP clients of the gateway for end-to-end tests: the official SDK's Client over Streamable HTTP.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { addMcpServer, type ApiKey, type Registry, type UsageEvent } from '@llmgw/core';
import type { Redis } from 'ioredis';
import { streamEvents } from './usage-stream.js';

export interface GatewayMcpClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** The base URL each HTTP request of the client went to, in order. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * An SDK client of the gateway's /mcp with `raw` as its key. Given several gateway URLs (pods),
 * its HTTP requests go to them in turn: the session opened on one continues on the others.
 */
export async function connectGateway(urls: string[], raw: string, path = '/mcp'): Promise<GatewayMcpClient> {
  const hits: string[] = [];
  let i = 0;
  const roundRobin: typeof fetch = (input, init) => {
    const u = new URL(input instanceof Request ? input.url : String(input));
    const base = urls[i++ % urls.length]!;
    const target = new URL(base);
    u.host = target.host;
    hits.push(base);
    return fetch(u, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(`${urls[0]}${path}`), { requestInit: { headers: { authorization: `Bearer ${raw}` } }, fetch: roundRobin });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, hits, close: () => client.close() };
}

/** Register the test upstreams: `calc` (Streamable HTTP, sent `Authorization: env:CALC_TOKEN`) and `legacy` (HTTP+SSE). */
export async function seedMcpServers(registry: Registry, calcUrl: string, legacyUrl: string, calc: { timeout_ms?: number } = {}): Promise<void> {
  await addMcpServer(registry, { name: 'calc', url: calcUrl, headers: { Authorization: 'env:CALC_TOKEN' }, ...calc });
  await addMcpServer(registry, { name: 'legacy', url: legacyUrl, transport: 'sse' });
}

/** A key with these MCP grants (and other fields); returns the raw key and its id. */
export async function seedMcpKey(registry: Registry, fields: Partial<ApiKey>): Promise<{ raw: string; id: string }> {
  const { raw, key } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}`, ...fields });
  return { raw, id: key.id };
}

/** The MCP usage events written so far, waiting up to 3 s for at least `atLeast` of them. */
export async function mcpUsage(redis: Redis, atLeast: number): Promise<UsageEvent[]> {
  let events: UsageEvent[] = [];
  for (let i = 0; i < 150; i++) {
    events = (await streamEvents(redis)).filter((e) => e.kind === 'mcp');
    if (events.length >= atLeast) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return events;
}

/** A raw JSON-RPC POST to a gateway's /mcp. */
export function rpc(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
