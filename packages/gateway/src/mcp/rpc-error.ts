/** JSON-RPC error codes of the MCP endpoint (docs/mcp.md lists them). */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  /** The spec's code for an unknown resource. */
  resourceNotFound: -32002,
  /** Not granted to this key (`--mcp-tools`, `--mcp-resources`, `--mcp-prompts`). */
  denied: -32003,
  /** A rate limit of the key (rpm, or the MCP tool-call limit). */
  rateLimited: -32029,
  /** The upstream server is unreachable, or answered with something that is not MCP. */
  upstreamFailed: -32010,
  upstreamTimeout: -32011,
  /** The upstream server failed recently and is skipped until its cooldown ends. */
  upstreamCoolingDown: -32012,
  /** The upstream server cannot be reached as configured (an `env:` header unset on the pod). */
  upstreamMisconfigured: -32013,
} as const;

/**
 * A JSON-RPC error answered to one MCP request. `status` is the outcome as an HTTP status
 * (403 denied, 429 limited, 502/504 upstream…): what the usage event, metrics and access log
 * say, while the HTTP answer itself is a 200 carrying the error. `code` names it in usage events.
 */
export class RpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly status: number,
    readonly code: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const RpcErrors = {
  invalidParams: (message: string) => new RpcError(RPC.invalidParams, message, 400, 'invalid_params'),
  methodNotFound: (method: string) => new RpcError(RPC.methodNotFound, `Method not found: ${method}`, 404, 'method_not_found'),
  unknownTool: (name: string) => new RpcError(RPC.invalidParams, `Unknown tool: ${name}`, 404, 'mcp_unknown_tool'),
  unknownPrompt: (name: string) => new RpcError(RPC.invalidParams, `Unknown prompt: ${name}`, 404, 'mcp_unknown_prompt'),
  unknownResource: (uri: string) => new RpcError(RPC.resourceNotFound, `Resource not found: ${uri}`, 404, 'mcp_unknown_resource', { uri }),
  denied: (what: 'tool' | 'prompt' | 'resource', name: string) =>
    new RpcError(RPC.denied, `This key may not use the ${what} "${name}": it is not in the key's --mcp-${what}s grant (gwctl key edit KEY --mcp-${what}s ...)`, 403, `mcp_${what}_denied`),
} as const;
