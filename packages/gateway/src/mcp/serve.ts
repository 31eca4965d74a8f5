import { authenticate } from '../pipeline/authenticate.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../pipeline/json-depth.js';
import { GatewayError } from '../errors/catalog.js';
import { jsonRpcErrorBody } from '../errors/render.js';
import type { RequestContext } from '../request-context.js';
import { getPrompt, listPrompts, listResources, listResourceTemplates, listTools, readResource } from './methods.js';
import { isKnownVersion, negotiateVersion } from './protocol-version.js';
import { sendMcpAccepted, sendMcpJson } from './respond-mcp.js';
import { RpcError, RpcErrors } from './rpc-error.js';
import type { McpSession, SessionKeys } from './session.js';
import { callTool, type ToolCallDeps } from './tool-call.js';

/** Everything the MCP endpoint needs, built once at boot (mcp/create-mcp.ts). */
export interface McpDeps extends ToolCallDeps {
  sessions: SessionKeys;
  sessionTtlMs: number;
  /** The gateway's version, in serverInfo. */
  version: string;
}

type Id = string | number;
type Params = Record<string, unknown>;
interface Message {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const SESSION_HEADER = 'mcp-session-id';
/** What the gateway offers every client: the aggregated lists (their contents depend on the key). */
const CAPABILITIES = { tools: { listChanged: false }, resources: { subscribe: false, listChanged: false }, prompts: { listChanged: false } };

/** An HTTP-level refusal with a JSON-RPC body (id null), answered by the pipeline's error boundary. */
const httpError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => new GatewayError(status, 'invalid_request_error', code, message, null, false, headers);

/** A 401 carries the challenge MCP clients look for (RFC 6750 / MCP authorization). */
async function authenticateMcp(ctx: RequestContext, deps: McpDeps): Promise<void> {
  try {
    await authenticate(ctx, deps.cache);
  } catch (e) {
    if (!(e instanceof GatewayError) || e.status !== 401) throw e;
    const challenge = e.code === 'missing_api_key' ? 'Bearer realm="llmgw"' : `Bearer realm="llmgw", error="invalid_token", error_description="${e.message.replace(/"/g, "'")}"`;
    throw new GatewayError(e.status, e.type, e.code, e.message, e.param, false, { ...e.headers, 'www-authenticate': challenge });
  }
}

function parseMessage(body: Buffer): Message {
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw httpError(400, 'invalid_json', `Parse error: the body is not JSON (${(e as Error).message})`);
  }
  if (Array.isArray(msg)) throw httpError(400, 'invalid_request', 'Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 removed them); send one message per request');
  if (typeof msg !== 'object' || msg === null || nestedDeeperThan(msg, MAX_JSON_DEPTH)) throw httpError(400, 'invalid_request', 'Invalid Request: a JSON-RPC message is an object');
  return msg;
}

/** The session of the request: its sealed id, or (no id) the stateless form with a known MCP-Protocol-Version. */
async function sessionOf(ctx: RequestContext, deps: McpDeps): Promise<McpSession | null> {
  const id = ctx.req.headers[SESSION_HEADER];
  const version = ctx.req.headers['mcp-protocol-version'];
  if (version !== undefined && !isKnownVersion(version)) throw httpError(400, 'unsupported_protocol_version', `Unsupported MCP-Protocol-Version: ${version}`);
  if (id === undefined) {
    if (version !== undefined) return null; // stateless: the version header says all a session would
    throw httpError(400, 'missing_session', 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
  }
  const s = await deps.sessions.open(id);
  // Over, forged, or opened with another key: the client must initialize again (the spec's 404).
  if (!s || s.keyId !== ctx.key!.id) throw httpError(404, 'session_not_found', 'Session not found: initialize a new session');
  return s;
}

async function initialize(ctx: RequestContext, deps: McpDeps, id: Id, params: Params): Promise<void> {
  const version = negotiateVersion(params.protocolVersion);
  const sessionId = await deps.sessions.seal({ keyId: ctx.key!.id, version, exp: Date.now() + deps.sessionTtlMs });
  const result = { protocolVersion: version, capabilities: CAPABILITIES, serverInfo: { name: 'llmgw', version: deps.version } };
  ctx.status = 200;
  sendMcpJson(ctx, 200, JSON.stringify({ jsonrpc: '2.0', id, result }), { [SESSION_HEADER]: sessionId });
}

function dispatch(ctx: RequestContext, deps: McpDeps, method: string, params: Params): unknown {
  switch (method) {
    case 'ping':
      return {};
    case 'tools/list':
      return listTools(ctx, deps);
    case 'tools/call':
      return callTool(ctx, deps, params);
    case 'resources/list':
      return listResources(ctx, deps);
    case 'resources/templates/list':
      return listResourceTemplates(ctx, deps);
    case 'resources/read':
      return readResource(ctx, deps, params);
    case 'prompts/list':
      return listPrompts(ctx, deps);
    case 'prompts/get':
      return getPrompt(ctx, deps, params);
    default:
      throw RpcErrors.methodNotFound(method);
  }
}

/**
 * The MCP endpoint (Streamable HTTP): POST carries one JSON-RPC message and gets its answer as
 * JSON; GET (a server-to-client stream) and DELETE (the gateway's sessions end on their own)
 * are 405. Throws GatewayErrors for refusals at the HTTP level (401, 400, 404, 405).
 */
export async function serveMcp(ctx: RequestContext, deps: McpDeps): Promise<void> {
  await authenticateMcp(ctx, deps);
  if (ctx.req.method !== 'POST') throw new GatewayError(405, 'invalid_request_error', 'method_not_allowed', `Method Not Allowed: ${ctx.req.method} ${ctx.req.path} (this server answers POST only: no server-initiated stream, sessions end on their own)`, null, false, { allow: 'POST' });
  const msg = parseMessage(ctx.req.body);
  const hasId = typeof msg.id === 'string' || typeof msg.id === 'number';
  if (typeof msg.method !== 'string') {
    if (hasId && ('result' in msg || 'error' in msg)) return sendMcpAccepted(ctx); // a client's answer: nothing asked it
    throw httpError(400, 'invalid_request', 'Invalid Request: a JSON-RPC message needs a "method"');
  }
  if (msg.jsonrpc !== '2.0') throw httpError(400, 'invalid_request', 'Invalid Request: "jsonrpc" must be "2.0"');
  const params = (msg.params && typeof msg.params === 'object' && !Array.isArray(msg.params) ? msg.params : {}) as Params;
  if (msg.method === 'initialize' && hasId) return initialize(ctx, deps, msg.id as Id, params);
  await sessionOf(ctx, deps);
  if (!hasId) return sendMcpAccepted(ctx); // a notification (initialized, cancelled, …)
  const id = msg.id as Id;
  try {
    const result = await dispatch(ctx, deps, msg.method, params);
    const body = JSON.stringify({ jsonrpc: '2.0', id, result });
    ctx.status = 200;
    ctx.responseBytes = Buffer.byteLength(body);
    sendMcpJson(ctx, 200, body);
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    const body = jsonRpcErrorBody(id, e.rpcCode, e.message, e.data);
    ctx.status = e.status;
    ctx.error = e.message;
    ctx.errorCode = e.code;
    ctx.responseBytes = Buffer.byteLength(body);
    sendMcpJson(ctx, 200, body);
  }
}
