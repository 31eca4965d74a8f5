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

/** pino's `isoTime` (`,"time":"<ISO 8601>"`), the string made once per millisecond: a busy pod logs many lines in each. */
function isoTimeOncePerMs(): () => string {
  let at = -1;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

/** Loggers made by `createAccessLogger`: their options are known, so `writeAccessLog` may write their lines itself. */
const accessLoggers = new WeakSet<Logger>();

/**
 * The logger of access lines: same destination, level and base fields as `root`, but without
 * `redact`. Redaction paths with wildcards cost more than the rest of the line (measured
 * ≈2.5× a plain pino line), and an access line holds no secret by construction: only the
 * fields above, each an id, a name, a number or a catalog message. A test searches the
 * captured lines for the raw key and the upstream secret.
 */
export function createAccessLogger(root: Logger): Logger {
  const stream = (root as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!;
  const log = pino({ level: root.level, base: root.bindings(), timestamp: isoTimeOncePerMs() }, stream);
  accessLoggers.add(log);
  return log;
}

type PinoInternals = Record<symbol, unknown>;
const S = pino.symbols;
const MSG = ',"msg":"request"';

/**
 * The line pino would write for these fields, made in one `JSON.stringify` instead of pino's
 * loop over the keys (a string concatenation and a type switch per field): the same bytes —
 * pino writes each field as `JSON.stringify` would, in the same order, and its strings
 * differ from `JSON.stringify`'s only for an unpaired surrogate, which pino leaves raw and
 * this escapes. Only for an access logger (no serializers, formatters, mixin or redaction)
 * whose stream does not ask for pino's metadata (a multistream routes by it); else null.
 */
function accessLine(log: Logger, fields: AccessLogFields): string | null {
  const l = log as unknown as PinoInternals;
  const stream = l[S.streamSym] as PinoInternals;
  if (stream[S.needsMetadataGsym] === true) return null;
  const time = (l[S.timeSym] as () => string)();
  return (l[S.lsCacheSym] as Record<number, string>)[30]! + time + (l[S.chindingsSym] as string) + ',' + JSON.stringify(fields).slice(1, -1) + MSG + (l[S.endSym] as string);
}

/** Write the access line at info (`msg: "request"`); nothing to do when info is off. */
export function writeAccessLog(log: Logger, ctx: RequestContext): void {
  if (!log.isLevelEnabled('info')) return;
  const fields = accessLogFields(ctx);
  const line = accessLoggers.has(log) ? accessLine(log, fields) : null;
  if (line === null) log.info(fields, 'request');
  else ((log as unknown as PinoInternals)[S.streamSym] as DestinationStream).write(line);
}

/** The access line of a body the listener refused (same message and fields as `writeAccessLog`). */
export function writeRefusedAccessLog(log: Logger, r: RefusedRequest): void {
  if (!log.isLevelEnabled('info')) return;
  log.info(refusedAccessLogFields(r), 'request');
}
