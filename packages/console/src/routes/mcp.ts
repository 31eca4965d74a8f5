import { addMcpServer, deleteMcpServer, getMcpServer, listMcpServers, maskHeaderValues, updateMcpServer, type McpServer, type Registry } from '@llmgw/core';
import { ApiError } from '../api-error.js';
import { McpCreateBody, McpEditBody, McpTestQuery } from '../api-schemas.js';
import { probeMcp } from '../mcp-probe.js';
import { route, type Route } from '../route.js';
import { toChange } from './views.js';

const tag = 'mcp';

/** A server as the API shows it: literal header values masked (they may carry credentials), `env:VAR` as is. */
const mcpView = (s: McpServer): McpServer => ({ ...s, headers: maskHeaderValues(s.headers) });

async function mustGetMcp(registry: Registry, name: string): Promise<McpServer> {
  const s = await getMcpServer(registry, name);
  if (!s) throw new ApiError(404, `mcp server "${name}" does not exist`);
  return s;
}

/** The headers after a PATCH: given ones added or replaced by name (case-insensitive), null ones removed. */
function patchHeaders(prev: Record<string, string>, change: Record<string, string | null>): Record<string, string> {
  const out = { ...prev };
  for (const [name, value] of Object.entries(change)) {
    const existing = Object.keys(out).find((k) => k.toLowerCase() === name.toLowerCase());
    if (value === null) {
      if (!existing) throw new ApiError(400, `headers.${name}: the server has no such header`, `headers.${name}`);
      delete out[existing];
    } else {
      if (existing) delete out[existing];
      out[name] = value;
    }
  }
  return out;
}

/** The upstream MCP servers the gateway aggregates: the same core operations as `gwctl mcp`. */
export const mcpRoutes: Route[] = [
  route({ method: 'GET', path: '/api/v1/mcp', role: 'viewer', tag, summary: 'List MCP servers (literal header values masked)', handler: async (ctx) => ({ items: (await listMcpServers(ctx.registry)).map(mcpView) }) }),
  route({
    method: 'POST', path: '/api/v1/mcp', role: 'editor', tag, status: 201, body: McpCreateBody, summary: 'Register an upstream MCP server',
    handler: async (ctx) => {
      const { headers, ...rest } = ctx.body;
      return mcpView(await addMcpServer(ctx.registry, { ...rest, headers: headers ?? {} }, ctx.now()));
    },
  }),
  route({ method: 'GET', path: '/api/v1/mcp/{name}', role: 'viewer', tag, summary: 'One MCP server (literal header values masked)', handler: async (ctx) => mcpView(await mustGetMcp(ctx.registry, ctx.params.name!)) }),
  route({
    method: 'PATCH', path: '/api/v1/mcp/{name}', role: 'editor', tag, body: McpEditBody, summary: 'Change an MCP server (null removes a setting or a header)',
    handler: async (ctx) => {
      if (Object.keys(ctx.body).length === 0) throw new ApiError(400, 'nothing to change');
      const { headers, ...rest } = ctx.body;
      const change = toChange(rest);
      await mustGetMcp(ctx.registry, ctx.params.name!);
      const s = await updateMcpServer(ctx.registry, ctx.params.name!, (prev) => ({ ...change, ...(headers ? { headers: patchHeaders(prev.headers, headers) } : {}) }), ctx.now());
      return mcpView(s);
    },
  }),
  route({
    method: 'DELETE', path: '/api/v1/mcp/{name}', role: 'editor', tag, summary: 'Delete an MCP server (key grants naming it stay, and match nothing)',
    handler: async (ctx) => {
      const name = ctx.params.name!;
      await mustGetMcp(ctx.registry, name);
      await deleteMcpServer(ctx.registry, name);
      return { deleted: name };
    },
  }),
  route({
    method: 'POST', path: '/api/v1/mcp/{name}/test', role: 'editor', tag, query: McpTestQuery,
    summary: "Connect to the server from the console (env: headers from the console's environment), list its tools: a one-line verdict",
    handler: async (ctx) => probeMcp(await mustGetMcp(ctx.registry, ctx.params.name!), process.env, ctx.query.timeout_ms),
  }),
];
