import { pino, type DestinationStream } from 'pino';
import type { GatewayError } from '../errors/catalog.js';
import type { Logger } from '../logger.js';
import type { RequestContext, Usage } from '../request-context.js';
import { gatewayOverheadMs, upstreamTtfbMs } from './timings.js';

/** The fields of the one access log line of a request. Never the raw key, never a secret. */
interface AccessLogFields {
  reqId: string;
  method: string;
  /** Endpoint path after the API prefix (`/chat/completions`, `/models`). */
  endpoint: string;
  keyId: string | null;
  keyName: string | null;
  /** The model name the client asked for. */
  model: string | null;
  provider: string | null;
  upstreamModel: string | null;
  /** Status sent to the client (0 when the client left before any answer). */
  status: number;
  attempts: number;
  stream: boolean;
  durationMs: number;
  /** Upstream time to first byte (see `upstreamTtfbMs`). */
  ttfbMs: number | null;
  /** Time spent in the gateway itself (see `gatewayOverheadMs`). */
  overheadMs: number | null;
  /** `cacheWrite` (and `cacheWrite1h`, its 1-hour part) only when the provider wrote to its prompt cache. */
  tokens: { prompt: number; completion: number; cached: number; cacheWrite?: number; cacheWrite1h?: number; estimated: boolean } | null;
  costUsd: number | null;
  errorCode: string | null;
  error: string | null;
  clientAborted: boolean;
  /** `websocket` for a response.create on a Responses API WebSocket, else `http`. */
  transport: 'http' | 'websocket';
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

function accessTokens(u: Usage): NonNullable<AccessLogFields['tokens']> {
  if (!u.cacheWriteTokens) return { prompt: u.promptTokens, completion: u.completionTokens, cached: u.cachedTokens, estimated: u.estimated };
  const t = { prompt: u.promptTokens, completion: u.completionTokens, cached: u.cachedTokens, cacheWrite: u.cacheWriteTokens, estimated: u.estimated };
  return u.cacheWrite1hTokens ? { ...t, cacheWrite1h: u.cacheWrite1hTokens } : t;
}
// The model name comes from the client; a huge one must not make a huge log line.
const clip = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** Build the access log fields of a finished request. */
function accessLogFields(ctx: RequestContext): AccessLogFields {
  const last = ctx.attempts.length > 0 ? ctx.attempts[ctx.attempts.length - 1]! : null;
  const ttfb = upstreamTtfbMs(ctx);
  const overhead = gatewayOverheadMs(ctx);
  const u = ctx.usage;
  return {
    reqId: ctx.id,
    method: ctx.req.method,
    endpoint: ctx.endpoint.path,
    keyId: ctx.key?.id ?? null,
    keyName: ctx.key?.name ?? null,
    model: ctx.publicModel ? clip(ctx.publicModel) : null,
    provider: ctx.served?.provider.name ?? last?.provider ?? null,
    upstreamModel: ctx.served?.model ?? last?.model ?? null,
    status: ctx.status,
    attempts: ctx.attempts.length,
    stream: ctx.stream,
    durationMs: round(ctx.tEnd - ctx.t0),
    ttfbMs: ttfb === null ? null : round(ttfb),
    overheadMs: overhead === null ? null : round(overhead),
    tokens: u ? accessTokens(u) : null,
    costUsd: ctx.costUsd,
    errorCode: ctx.errorCode,
    error: ctx.error,
    clientAborted: ctx.clientAborted,
    transport: ctx.req.transport ?? 'http',
  };
}

/** A request the listener refused before it had a context (a body too large or too slow, a refused WebSocket upgrade): no key or model yet. */
export interface RefusedRequest {
  reqId: string;
  method: string;
  /** The endpoint label of its path (`other` when unknown; never the path itself). */
  endpoint: string;
  err: GatewayError;
  /** performance.now() marks: headers arrived, refusal sent. */
  receivedAt: number;
  refusedAt: number;
  /** `websocket` for a refused upgrade; default `http`. */
  transport?: 'http' | 'websocket';
}

/** The access log fields of a refused body: the same line as any request, with what is known of it. */
function refusedAccessLogFields(r: RefusedRequest): AccessLogFields {
  return {
    reqId: r.reqId,
    method: r.method,
    endpoint: r.endpoint,
    keyId: null,
    keyName: null,
    model: null,
    provider: null,
    upstreamModel: null,
    status: r.err.status,
    attempts: 0,
    stream: false,
    durationMs: round(r.refusedAt - r.receivedAt),
    ttfbMs: null,
    overheadMs: null,
    tokens: null,
    costUsd: null,
    errorCode: r.err.code,
    error: r.err.message,
    clientAborted: false,
    transport: r.transport ?? 'http',
  };
}

/**
 * The logger of access lines: same destination, level and base fields as `root`, but without
 * `redact`. Redaction paths with wildcards cost more than the rest of the line (measured
 * ≈2.5× a plain pino line), and an access line holds no secret by construction: only the
 * fields above, each an id, a name, a number or a catalog message. A test searches the
 * captured lines for the raw key and the upstream secret.
 */
export function createAccessLogger(root: Logger): Logger {
  const stream = (root as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!;
  return pino({ level: root.level, base: root.bindings(), timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** Write the access line at info (`msg: "request"`); nothing to do when info is off. */
export function writeAccessLog(log: Logger, ctx: RequestContext): void {
  if (!log.isLevelEnabled('info')) return;
  log.info(accessLogFields(ctx), 'request');
}

/** The access line of a body the listener refused (same message and fields as `writeAccessLog`). */
export function writeRefusedAccessLog(log: Logger, r: RefusedRequest): void {
  if (!log.isLevelEnabled('info')) return;
  log.info(refusedAccessLogFields(r), 'request');
}
