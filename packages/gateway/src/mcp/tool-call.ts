import { exposedName, serverOfExposed } from '@llmgw/core';
import { GatewayError } from '../errors/catalog.js';
import type { Attempt, RequestContext } from '../request-context.js';
import { grantsOf } from './grants.js';
import { activeServer, type MethodDeps } from './methods.js';
import { RPC, RpcError, RpcErrors } from './rpc-error.js';
import { toRpcError, upstreamRpcError } from './upstream-errors.js';

/** What a governed tool call needs besides the lists. */
export interface ToolCallDeps extends MethodDeps {
  /** Governance: from here on the request is a usage event, whatever happens. */
  account(ctx: RequestContext): void;
  /** Governance: the key's tool-call limit, then its rpm, concurrency and budgets; throws a 429 GatewayError. */
  admitToolCall(ctx: RequestContext): Promise<void> | void;
}

/** A refusal of governance (429 rate limit, 503 limits unavailable) as the client's JSON-RPC error. */
function refusal(e: unknown): never {
  if (!(e instanceof GatewayError)) throw e;
  const retry = e.headers['retry-after'];
  const rpcCode = e.status === 429 ? RPC.rateLimited : RPC.upstreamCoolingDown;
  throw new RpcError(rpcCode, e.message, e.status, e.code ?? 'rate_limit_exceeded', retry ? { retry_after_s: Number(retry) } : undefined);
}

/**
 * `tools/call`: granted? (else refused, never sent upstream) → the upstream tool behind the
 * exposed name → admitted by governance → called on the pod's connection to its server. Every
 * call, refused or not, is one usage event (key, server, tool, latency, status, bytes).
 */
export async function callTool(ctx: RequestContext, d: ToolCallDeps, params: Record<string, unknown>): Promise<unknown> {
  if (typeof params.name !== 'string' || params.name === '') throw RpcErrors.invalidParams('tools/call needs a "name" string');
  const name = params.name;
  const args = params.arguments;
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) throw RpcErrors.invalidParams('tools/call "arguments" must be an object');
  ctx.publicModel = name;
  d.account(ctx);
  if (!grantsOf(ctx.key!).tool(name)) throw RpcErrors.denied('tool', name);
  const server = await activeServer(d.cache, serverOfExposed(name));
  if (!server) throw RpcErrors.unknownTool(name);
  const tools = await d.catalog.list(server, 'tools').catch(upstreamRpcError);
  const tool = tools.find((t) => exposedName(server.name, t.name) === name);
  if (!tool) throw RpcErrors.unknownTool(name);
  await Promise.resolve(d.admitToolCall(ctx)).catch(refusal);
  const attempt: Attempt = { provider: server.name, model: tool.name, secretIndex: 0 };
  ctx.attempts.push(attempt);
  ctx.tUpstreamStart = performance.now();
  try {
    const result = await d.pool.request(server, (c, o) => c.callTool({ name: tool.name, ...(args ? { arguments: args as Record<string, unknown> } : {}) }, undefined, o));
    attempt.status = 200;
    return result;
  } catch (e) {
    const err = toRpcError(e);
    attempt.error = err.code;
    if (err.code === 'mcp_upstream_rpc_error') attempt.status = 200; // it answered, with an error
    if (err.code === 'mcp_upstream_timeout') attempt.timeout = 'total';
    throw err;
  } finally {
    ctx.tFirstByte = ctx.tUpstreamEnd = performance.now();
  }
}
