/**
 * The state of one request that every stage shares, and the plain types it is made of: the
 * request as copied out of uWS, the response sink, the endpoint. A leaf: it imports nothing
 * of the gateway's, so any module may import it without making a circle.
 */
import type { ApiKey, Model, Provider } from '@llmgw/core';
import type { Logger } from 'pino';

/** Which API shape a client speaks (its errors are rendered in that shape). */
export type ApiFormat = 'openai' | 'anthropic' | 'mcp';

/** What the pipeline sees of a request: plain data, copied out of uWS before any await. */
export interface GatewayRequest {
  /** Upper-case method. */
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** performance.now() when the request arrived. */
  receivedAt: number;
  /** Set when the request came as a message on a WebSocket (the Responses API's WebSocket mode); absent: HTTP. */
  transport?: 'websocket';
}

/** What the pipeline writes to: a small interface over uWS's HttpResponse. */
export interface ResponseSink {
  /** The client went away; nothing may be written any more. */
  readonly aborted: boolean;
  /** Status and headers were sent. */
  readonly headersSent: boolean;
  /** Called once when the client goes away before the response ended. */
  onAbort(cb: () => void): void;
  /** A whole response in one go. */
  send(status: number, headers: Record<string, string>, body: string | Uint8Array): void;
  /** Start a streamed response. */
  writeHead(status: number, headers: Record<string, string>): void;
  /** Write a chunk; false means the socket is backed up: wait for `onDrain`. */
  write(chunk: string | Uint8Array): boolean;
  /** Called once when a backed-up socket can take more. */
  onDrain(cb: () => void): void;
  end(chunk?: string | Uint8Array): void;
  /** Run `fn`; the writes it makes leave together (one packet) when it returns. */
  batch(fn: () => void): void;
  /** The connection's own memory when requests share one (the Responses API's WebSocket mode); absent for HTTP. */
  readonly connection?: ConnectionMemory;
  /** The WebSocket stream (`stream_id`) the response runs on; '' for the default one; absent for HTTP. */
  readonly lane?: string;
}

/** A conversation as kept for `previous_response_id`: the items up to and including a response's output, and who owns it. */
export interface ConversationRecord {
  id: string;
  keyId: string;
  items: Record<string, unknown>[];
  /** The WebSocket stream it was created on (connection memory only). */
  lane?: string;
}

/**
 * What a WebSocket connection remembers between its requests: its latest responses, so a
 * follow-up with `previous_response_id` works on that connection even with `store: false`
 * (as OpenAI's WebSocket mode does). Bounded: the newest few only.
 */
export interface ConnectionMemory {
  responses: Map<string, ConversationRecord>;
}

/** How the body of an endpoint is read and what its response looks like. */
export interface Endpoint {
  /** Path after `/v1` (`/models` for the list and for one model's lookup). */
  path: string;
  method: 'POST' | 'GET' | 'DELETE';
  /** `model`: routed by the model it names to an upstream; `models`: answered by the gateway from the registry; `stored`: a stored response (GET, DELETE, input items), answered from Redis; `mcp`: the MCP endpoint (mcp/). */
  kind: 'model' | 'models' | 'stored' | 'mcp';
  /** `json`: model in the JSON body; `multipart`: model in a form field; `none`: no body. */
  body: 'json' | 'multipart' | 'none';
  /** May the client ask for `stream: true`? */
  streams: boolean;
  /** Response is JSON whose `model` field is rewritten to the public name. */
  jsonResponse: boolean;
  /** The API the client speaks (its errors come back in that shape). Default `openai`. */
  format?: ApiFormat;
  /** Requests and answers are priced in tokens (usage counted, tpm and budgets reserved in tokens). */
  tokens: boolean;
  /** Checks of the parsed JSON body beyond `model` (throw a 400 GatewayError). */
  validate?(body: Record<string, unknown>): void;
}

/** A (provider, upstream model) the request may be sent to. */
export interface Target {
  provider: Provider;
  /** Upstream model name. */
  model: string;
  weight: number;
  priority: number;
}

/** Which upstream deadline ended an attempt: TCP/TLS connect, response headers, silence between body chunks, whole request. */
export type TimeoutPhase = 'connect' | 'first_byte' | 'idle' | 'total';

/** One try against one target with one secret. */
export interface Attempt {
  provider: string;
  model: string;
  /** Index of the provider secret used (never the secret). */
  secretIndex: number;
  status?: number;
  /** Catalog code of the failure that ended it (`upstream_timeout`, `upstream_error`, …), before or after the first byte. */
  error?: string;
  /** Set when that failure was an upstream deadline. */
  timeout?: TimeoutPhase;
  /** ms from request start to upstream response headers. */
  ttfbMs?: number;
  /** performance.now() when the attempt started and ended (its trace span). */
  startedAt?: number;
  endedAt?: number;
  /** Its span id when the request is traced: the upstream's `traceparent` parent. */
  spanId?: string;
}

/** Token counts of one request. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Part of promptTokens written to the provider's prompt cache (Anthropic), priced apart. */
  cacheWriteTokens?: number;
  /** Part of cacheWriteTokens written with a 1-hour TTL (Anthropic `ttl: "1h"`), dearer than the default 5 minutes. */
  cacheWrite1hTokens?: number;
  /** True when counted by the gateway because the upstream reported none. */
  estimated: boolean;
}

/** Everything the stages of one request share. */
export interface RequestContext {
  readonly id: string;
  readonly req: GatewayRequest;
  readonly res: ResponseSink;
  readonly endpoint: Endpoint;
  log: Logger;
  /** Parsed JSON body (json endpoints). */
  body: Record<string, unknown> | null;
  /** The public model name the client asked for. */
  publicModel: string;
  /** Client asked for a streamed response. */
  stream: boolean;
  key: ApiKey | null;
  model: Model | null;
  /** Targets the key may use, in the model's order. */
  targets: Target[];
  /**
   * A `previous_response_id` the gateway does not know (created at the upstream directly, or
   * through another gateway): left in the body for a target that speaks the Responses API natively.
   */
  upstreamPreviousResponse?: string;
  attempts: Attempt[];
  /** The target that answered. */
  served: Target | null;
  /** Final status sent to the client. */
  status: number;
  usage: Usage | null;
  /** An error that ended the request (after or before the first byte). */
  error: string | null;
  /** The catalog code of that error (`rate_limit_exceeded`, `upstream_timeout`, …). */
  errorCode: string | null;
  /** Cost in USD computed from usage and the model's prices (governance). */
  costUsd: number | null;
  /** Client went away before the end. */
  clientAborted: boolean;
  /** performance.now() marks. */
  readonly t0: number;
  tUpstreamStart: number;
  tFirstByte: number;
  /** When the upstream response of the last attempt ended (0 if it never did). */
  tUpstreamEnd: number;
  tEnd: number;
  /** Extra response headers stages want on the client response (rate limits, selection). */
  responseHeaders: Record<string, string>;
  /** Hooks run once when the request is over, whatever happened (release slots, account usage). */
  onFinish: Array<(ctx: RequestContext) => void>;
  /** Governance's state of this request (what admission took); null until accounting is set up. */
  accounting: { admitted: boolean } | null;
  /** Sees the generated output as relayed (SSE events; a JSON body that had no usage), for usage estimation. */
  onOutput: ((data: Buffer | string) => void) | null;
  /** Sees every byte of a successful answer before it is written to the client (`sse`: a stream); the Responses API keeps its answer this way (responses/). */
  responseTap: ((data: Buffer | string, sse: boolean) => void) | null;
  /** The request's trace ids when it is traced and sampled (observability/request-tracer.ts), else null. */
  trace: { traceId: string; spanId: string; parentSpanId: string | null } | null;
  /** Bytes of the answer an MCP tool call got (its usage event says it). */
  responseBytes?: number;
}

export function createContext(id: string, req: GatewayRequest, res: ResponseSink, endpoint: Endpoint, log: Logger): RequestContext {
  return {
    id,
    req,
    res,
    endpoint,
    log,
    body: null,
    publicModel: '',
    stream: false,
    key: null,
    model: null,
    targets: [],
    attempts: [],
    served: null,
    status: 0,
    usage: null,
    error: null,
    errorCode: null,
    costUsd: null,
    clientAborted: false,
    t0: req.receivedAt,
    tUpstreamStart: 0,
    tFirstByte: 0,
    tUpstreamEnd: 0,
    tEnd: 0,
    responseHeaders: {},
    onFinish: [],
    accounting: null,
    onOutput: null,
    responseTap: null,
    trace: null,
  };
}
