import { exposedName, exposedUri, grantSubject, parseExposedUri, serverOfExposed, type McpServer } from '@llmgw/core';
import type { RegistryCache } from '../cache/registry-cache.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import type { McpPool } from '../upstream/mcp-pool.js';
import type { McpCatalog, OfferKind, Offers } from './catalog.js';
import { grantsOf, type Grants } from './grants.js';
import { RpcErrors } from './rpc-error.js';
import { upstreamRpcError } from './upstream-errors.js';

/** What the list and read methods need. */
export interface MethodDeps {
  cache: RegistryCache;
  catalog: McpCatalog;
  pool: McpPool;
  log: Logger;
}

type Params = Record<string, unknown>;

/** The servers being served (disabled ones offer nothing). */
async function activeServers(cache: RegistryCache): Promise<McpServer[]> {
  return (await cache.listMcpServers()).filter((s) => s.status === 'active');
}

export async function activeServer(cache: RegistryCache, name: string | null): Promise<McpServer | null> {
  if (!name) return null;
  return (await activeServers(cache)).find((s) => s.name === name) ?? null;
}

/**
 * One list of every server the key might use something of, read concurrently; a server that
 * fails is left out (and logged) rather than failing the whole list.
 */
async function gather<K extends OfferKind>(d: MethodDeps, g: Grants, kind: K, grantKind: 'tools' | 'resources' | 'prompts'): Promise<Array<[McpServer, Offers[K]]>> {
  const servers = (await activeServers(d.cache)).filter((s) => g.reaches(grantKind, s.name));
  const lists = await Promise.allSettled(servers.map((s) => d.catalog.list(s, kind)));
  const out: Array<[McpServer, Offers[K]]> = [];
  lists.forEach((r, i) => {
    if (r.status === 'fulfilled') out.push([servers[i]!, r.value]);
    else d.log.warn({ mcpServer: servers[i]!.name, err: (r.reason as Error).message }, `MCP ${kind} list left out a server that failed`);
  });
  return out;
}

export async function listTools(ctx: RequestContext, d: MethodDeps): Promise<unknown> {
  const g = grantsOf(ctx.key!);
  const tools = (await gather(d, g, 'tools', 'tools')).flatMap(([s, list]) => list.map((t) => ({ ...t, name: exposedName(s.name, t.name) })).filter((t) => g.tool(t.name)));
  return { tools };
}

export async function listPrompts(ctx: RequestContext, d: MethodDeps): Promise<unknown> {
  const g = grantsOf(ctx.key!);
  const prompts = (await gather(d, g, 'prompts', 'prompts')).flatMap(([s, list]) => list.map((p) => ({ ...p, name: exposedName(s.name, p.name) })).filter((p) => g.prompt(p.name)));
  return { prompts };
}

export async function listResources(ctx: RequestContext, d: MethodDeps): Promise<unknown> {
  const g = grantsOf(ctx.key!);
  const resources = (await gather(d, g, 'resources', 'resources')).flatMap(([s, list]) =>
    list.filter((r) => g.resource(grantSubject(s.name, r.uri))).map((r) => ({ ...r, uri: exposedUri(s.name, r.uri), name: exposedName(s.name, r.name) })),
  );
  return { resources };
}

export async function listResourceTemplates(ctx: RequestContext, d: MethodDeps): Promise<unknown> {
  const g = grantsOf(ctx.key!);
  const resourceTemplates = (await gather(d, g, 'templates', 'resources')).flatMap(([s, list]) =>
    list.filter((t) => g.resource(grantSubject(s.name, t.uriTemplate))).map((t) => ({ ...t, uriTemplate: exposedUri(s.name, t.uriTemplate), name: exposedName(s.name, t.name) })),
  );
  return { resourceTemplates };
}

export async function readResource(ctx: RequestContext, d: MethodDeps, params: Params): Promise<unknown> {
  if (typeof params.uri !== 'string') throw RpcErrors.invalidParams('resources/read needs a "uri" string');
  const at = parseExposedUri(params.uri);
  if (!at) throw RpcErrors.unknownResource(params.uri);
  if (!grantsOf(ctx.key!).resource(grantSubject(at.server, at.uri))) throw RpcErrors.denied('resource', params.uri);
  const server = await activeServer(d.cache, at.server);
  if (!server) throw RpcErrors.unknownResource(params.uri);
  const r = await d.pool.request(server, (c, o) => c.readResource({ uri: at.uri }, o)).catch(upstreamRpcError);
  return { ...r, contents: r.contents.map((c) => ({ ...c, uri: exposedUri(server.name, c.uri) })) };
}

export async function getPrompt(ctx: RequestContext, d: MethodDeps, params: Params): Promise<unknown> {
  if (typeof params.name !== 'string') throw RpcErrors.invalidParams('prompts/get needs a "name" string');
  const name = params.name;
  if (!grantsOf(ctx.key!).prompt(name)) throw RpcErrors.denied('prompt', name);
  const server = await activeServer(d.cache, serverOfExposed(name));
  if (!server) throw RpcErrors.unknownPrompt(name);
  const prompts = await d.catalog.list(server, 'prompts').catch(upstreamRpcError);
  const upstream = prompts.find((p) => exposedName(server.name, p.name) === name);
  if (!upstream) throw RpcErrors.unknownPrompt(name);
  const args = params.arguments && typeof params.arguments === 'object' ? (params.arguments as Record<string, string>) : undefined;
  return d.pool.request(server, (c, o) => c.getPrompt({ name: upstream.name, ...(args ? { arguments: args } : {}) }, o)).catch(upstreamRpcError);
}
