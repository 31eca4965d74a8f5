import { McpUpstreamError } from '../upstream/mcp-pool.js';
import { RPC, RpcError } from './rpc-error.js';

/** An upstream failure as the client's JSON-RPC error (its message never holds a URL, header or secret). */
export function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (!(e instanceof McpUpstreamError)) throw e;
  switch (e.failure) {
    case 'rpc':
      return new RpcError(e.rpcCode ?? RPC.upstreamFailed, e.message, 502, 'mcp_upstream_rpc_error', { server: e.server });
    case 'timeout':
      return new RpcError(RPC.upstreamTimeout, e.message, 504, 'mcp_upstream_timeout', { server: e.server });
    case 'cooling_down':
      return new RpcError(RPC.upstreamCoolingDown, e.message, 503, 'mcp_upstream_cooling_down', { server: e.server });
    case 'misconfigured':
      return new RpcError(RPC.upstreamMisconfigured, e.message, 502, 'mcp_upstream_misconfigured', { server: e.server });
    case 'protocol':
      return new RpcError(RPC.upstreamFailed, e.message, 502, 'mcp_upstream_protocol_error', { server: e.server });
    default:
      return new RpcError(RPC.upstreamFailed, e.message, 502, 'mcp_upstream_unreachable', { server: e.server });
  }
}

/** For `.catch`: rethrow any upstream failure as the client's JSON-RPC error. */
export function upstreamRpcError(e: unknown): never {
  throw toRpcError(e);
}
