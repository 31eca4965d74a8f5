import { streamErrorEvent } from '../errors/render.js';
import { arm, release, type Tier, type Timed } from '../deadlines.js';
import { Errors, toGatewayError, type GatewayError } from '../errors/catalog.js';
import type { RequestContext, Target, TimeoutPhase, Usage } from '../request-context.js';
import { extractUsage, extractUsageFromBytes } from './extract-usage.js';
import { rewriteModel } from './rewrite-model.js';
import { SseTransform } from './sse-transform.js';
import type { UpstreamRequest } from '../upstream/build-request.js';
import { ClientWriter } from './client-writer.js';
import type { UpstreamController, UpstreamDispatcher, UpstreamHandler, UpstreamHeaders } from '../upstream/dispatcher.js';
import type { Codec, StreamRelay } from '../providers/codec.js';
import { codecFor } from '../providers/index.js';
import { respondJson } from './respond.js';
import { ClientAbortedError, endedByGateway, mapUpstreamError, timeoutPhase, TotalTimeoutError } from '../upstream/map-upstream-error.js';

export interface AttemptTimeouts {
  /** Until response headers. */
  firstByteMs: number;
  /** Longest silence between body chunks. */
  idleMs: number;
  /** Whole request. */
  totalMs: number;
}

/** How one attempt ended. */
export type AttemptOutcome =
  /**
   * The client got a response (any status) or went away; nothing more to try. `failure`: the
   * upstream failed after bytes reached the client (dropped, malformed, timed out: the response
   * ended with our error event; or it sent an error event itself inside its 2xx stream); a
   * provider failure all the same, never a client abort.
   */
  | { kind: 'relayed'; failure?: GatewayError; timeout?: TimeoutPhase }
  /** Nothing reached the client; the caller may try elsewhere or report `error`. */
  | {
      kind: 'failed';
      error: GatewayError;
      /** The upstream deadline that ended it, if one did. */
      timeout?: TimeoutPhase;
      /** Upstream HTTP status when it answered with an error (as its codec's `errorFacts` reads it). */
      status?: number;
      /** Upstream error body (already scrubbed of secrets) and content type. */
      body?: Buffer;
      contentType?: string;
      /** Retry-After from the upstream, in ms. */
      retryAfterMs?: number;
    };

export interface AttemptOptions {
  target: Target;
  request: UpstreamRequest;
  timeouts: AttemptTimeouts;
  /** The client asked for usage in the stream (else the usage chunk we asked for is hidden). */
  clientWantsUsage: boolean;
  /** Response headers of upstream errors are withheld so the caller can fail over. */
  /** Secrets that must never reach the client (scrubbed from relayed error bodies). */
  secrets: string[];
  /** Called with the status and whether the response was relayed, once headers are in. */
  onHeaders?(status: number): void;
  /** Called when the upstream is paused for a slow client (true) and when that pause is over (false: resumed, or the attempt ended). */
  onClientPause?(paused: boolean): void;
}

const FORWARD_RESPONSE_HEADERS = ['content-type', 'content-disposition', 'openai-processing-ms'];
/** What a relayed event stream adds to the client's headers (no proxy on the way may buffer it). */
const SSE_HEADERS: Readonly<Record<string, string>> = { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

function retryAfterMs(h: UpstreamHeaders): number | undefined {
  const v = h['retry-after-ms'] ?? h['retry-after'];
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  if (h['retry-after-ms'] !== undefined) return Number(s) || undefined;
  const secs = Number(s);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Relayed; a provider failure all the same when the upstream sent an error event, however the stream then ended. */
function relayed(errorEvent: GatewayError | null): AttemptOutcome {
  return errorEvent ? { kind: 'relayed', failure: errorEvent } : { kind: 'relayed' };
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * One upstream call, relayed to the client as it arrives. Errors before the first byte
 * reach the client resolve as `failed` (the caller decides about failover); after that the
 * stream belongs to the client and an upstream failure ends it with an SSE error event.
 */
export function runAttempt(ctx: RequestContext, dispatcher: UpstreamDispatcher, o: AttemptOptions): Promise<AttemptOutcome> {
  // Converts between client API and upstream API; null (the usual case) relays as is.
  const codec = codecFor(ctx.endpoint, o.target.provider);
  if (codec?.localResponse) {
    // Answered by the codec itself (no upstream call, no model ran): usage is nil.
    return codec.localResponse(ctx).then(
      (body): AttemptOutcome => {
        ctx.tFirstByte = performance.now();
        ctx.usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
        respondJson(ctx, 200, body);
        return { kind: 'relayed' };
      },
      (e: unknown): AttemptOutcome => ({ kind: 'failed', error: toGatewayError(e) }),
    );
  }
  return new Promise((resolve) => new AttemptRelay(ctx, o, codec, resolve).start(dispatcher));
}

const NO_HEADERS: UpstreamHeaders = Object.freeze({});

/**
 * One attempt's state: the upstream handler, its total deadline (checked by the shared
 * deadline ticks: no timer per request) and the relay to the client. One object per attempt,
 * its callbacks on the prototype, where a closure per callback was made for every request.
 */
class AttemptRelay implements UpstreamHandler, Timed {
  deadline = 0;
  tier: Tier | null = null;
  slot = -1;
  private settled = false;
  private controller: UpstreamController | null = null;
  private mode: 'error' | 'buffer' | 'sse' | 'raw' = 'buffer';
  private status = 0;
  private upstreamHeaders: UpstreamHeaders = NO_HEADERS;
  private readonly chunks: Buffer[] = [];
  private sse: StreamRelay | null = null;
  /** Set when the upstream reports an error inside its 2xx stream (the event is relayed as it came). */
  private errorEvent: GatewayError | null = null;
  private pausedForClient = false;
  /** Made only for a response relayed as it streams: a whole answer goes out in one res.send. */
  private writer: ClientWriter | null = null;

  constructor(
    private readonly ctx: RequestContext,
    private readonly o: AttemptOptions,
    private readonly codec: Codec | null,
    private readonly resolve: (outcome: AttemptOutcome) => void,
  ) {}

  start(dispatcher: UpstreamDispatcher): void {
    const { ctx, o } = this;
    const request = o.request;
    arm(this, o.timeouts.totalMs);
    ctx.res.onAbort(() => {
      ctx.clientAborted = true;
      this.controller?.abort(new ClientAbortedError('client aborted'));
    });
    try {
      dispatcher.dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          body: request.body,
          headersTimeout: o.timeouts.firstByteMs,
          bodyTimeout: o.timeouts.idleMs,
        },
        this,
      );
    } catch (e) {
      this.done({ kind: 'failed', error: mapUpstreamError(e as Error, o.target.provider.name) });
    }
  }

  /** The attempt's total deadline passed. */
  onDeadline(): void {
    this.controller?.abort(new TotalTimeoutError('total deadline'));
  }

  private done(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    release(this);
    if (this.pausedForClient) {
      // Ended while paused (the client left, a deadline): the pause is over for the gauge.
      this.pausedForClient = false;
      this.o.onClientPause?.(false);
    }
    this.resolve(outcome);
  }

  private clientHeaders(fixed?: Readonly<Record<string, string>>): Record<string, string> {
    const h: Record<string, string> = { 'x-request-id': this.ctx.id, ...this.ctx.responseHeaders };
    const upstream = this.upstreamHeaders;
    for (const name of FORWARD_RESPONSE_HEADERS) {
      const v = upstream[name];
      if (typeof v === 'string') h[name] = v;
    }
    if (fixed) for (const k in fixed) h[k] = fixed[k]!;
    return h;
  }

  private onClientFull(): void {
    const controller = this.controller;
    if (!controller || this.pausedForClient) return;
    // The client is slower than the upstream: stop reading until its socket drains.
    this.pausedForClient = true;
    this.o.onClientPause?.(true);
    controller.pause();
    this.ctx.res.onDrain(() => {
      if (!this.pausedForClient) return;
      this.pausedForClient = false;
      this.o.onClientPause?.(false);
      this.controller?.resume();
    });
  }

  /** The response belongs to the client from here on (no failover). */
  private startRelay(headers: Record<string, string>): void {
    this.writer = new ClientWriter(this.ctx.res, () => this.onClientFull());
    this.writer.writeHead(this.status, headers);
  }

  private writeToClient(data: Buffer | string | null): void {
    const ctx = this.ctx;
    if (data === null || data.length === 0 || ctx.res.aborted) return;
    if (this.mode === 'sse') {
      if (ctx.onOutput) ctx.onOutput(data);
      ctx.responseTap?.(data, true);
    }
    this.writer!.write(data);
  }

  onRequestStart(c: UpstreamController): void {
    this.controller = c;
    if (this.ctx.res.aborted) c.abort(new ClientAbortedError('client aborted'));
  }

  onResponseStart(_c: UpstreamController, statusCode: number, headers: UpstreamHeaders): void {
    if (statusCode < 200) return; // 1xx informational (undici reports them; the native client skips them)
    const { ctx, o } = this;
    this.status = statusCode;
    this.upstreamHeaders = headers;
    ctx.tFirstByte = performance.now();
    o.onHeaders?.(statusCode);
    if (statusCode >= 400) {
      this.mode = 'error';
      return;
    }
    const ct = String(headers['content-type'] ?? '');
    if (ctx.stream && ct.includes('text/event-stream')) {
      this.mode = 'sse';
      const target = o.target;
      const onErrorEvent = () => void (this.errorEvent ??= Errors.upstreamErrorEvent(target.provider.name));
      const onUsage = (u: Usage) => (ctx.usage = u);
      this.sse = this.codec?.stream
        ? this.codec.stream({ upstreamModel: target.model, publicModel: ctx.publicModel, clientWantsUsage: o.clientWantsUsage, onUsage, onErrorEvent, request: ctx.body })
        : new SseTransform({ upstreamModel: target.model, publicModel: ctx.publicModel, dropUsageChunk: !o.clientWantsUsage, onUsage, onErrorEvent });
      ctx.status = statusCode;
      this.startRelay(this.clientHeaders(SSE_HEADERS));
    } else if (ctx.endpoint.jsonResponse && ct.includes('json')) {
      this.mode = 'buffer';
    } else {
      this.mode = 'raw';
      ctx.status = statusCode;
      this.startRelay(this.clientHeaders());
    }
  }

  onResponseData(_c: UpstreamController, chunk: Buffer): void {
    if (this.mode === 'sse') this.writeToClient(this.sse!.push(chunk));
    else if (this.mode === 'raw') this.writeToClient(chunk);
    // Kept, not copied: the clients never write into a chunk they handed out (conformance-framing).
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const { ctx, o, codec, chunks, status } = this;
    const target = o.target;
    ctx.tUpstreamEnd = performance.now();
    if (this.mode === 'error') {
      const scrubbed = scrub(Buffer.concat(chunks).toString('utf8'), o.secrets);
      const body = Buffer.from(codec?.errorBody ? codec.errorBody(status, scrubbed) : scrubbed);
      const facts = codec?.errorFacts?.(status, scrubbed);
      const failedStatus = facts?.status ?? status;
      const ra = retryAfterMs(this.upstreamHeaders) ?? facts?.retryAfterMs;
      return this.done({
        kind: 'failed',
        error: upstreamStatusError(target.provider.name, failedStatus),
        status: failedStatus,
        body,
        contentType: codec?.errorBody ? 'application/json' : String(this.upstreamHeaders['content-type'] ?? 'application/json'),
        ...(ra !== undefined ? { retryAfterMs: ra } : {}),
      });
    }
    const res = ctx.res;
    if (this.mode === 'buffer' && !codec?.responseBody && target.model === ctx.publicModel) {
      // Nothing to convert or rename: the upstream's bytes go as they are.
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const usage = extractUsageFromBytes(body);
      if (usage) ctx.usage = usage;
      else ctx.onOutput?.(body);
      ctx.status = status;
      ctx.responseTap?.(body, false);
      res.send(status, this.clientHeaders(), body);
    } else if (this.mode === 'buffer') {
      let text = Buffer.concat(chunks).toString('utf8');
      const converted = codec?.responseBody?.(text, ctx.publicModel, ctx.body);
      const usage = converted ? converted.usage : extractUsage(text);
      if (usage) ctx.usage = usage;
      else ctx.onOutput?.(text);
      text = converted ? converted.text : rewriteModel(text, target.model, ctx.publicModel);
      ctx.status = status;
      ctx.responseTap?.(text, false);
      res.send(status, this.clientHeaders(), text);
    } else {
      if (this.mode === 'sse') this.writeToClient(this.sse!.flush());
      this.writer!.end();
    }
    // A stream that carried an error event ended well on the wire, not in substance.
    if (this.errorEvent) ctx.error = this.errorEvent.message;
    this.done(relayed(this.errorEvent));
  }

  onResponseError(_c: UpstreamController, err: Error): void {
    const { ctx, o } = this;
    const res = ctx.res;
    const provider = o.target.provider.name;
    const e = err as Error & { code?: string };
    if (e.code === 'GW_CLIENT_ABORTED' || res.aborted) {
      ctx.clientAborted = true;
      ctx.error = 'client aborted';
      // A client (the OpenAI SDK does) may leave as soon as it reads the upstream's error event.
      return this.done(relayed(this.errorEvent));
    }
    const mapped = mapUpstreamError(e, provider);
    // The client's message names no host; the operator's line keeps Node's detail (which names, which CA).
    if (mapped.code === 'upstream_tls_error') ctx.log.warn({ provider, origin: o.request.origin, code: e.code, detail: e.message }, mapped.message);
    const timeout = timeoutPhase(e);
    if (!res.headersSent && this.writer === null) {
      // The gateway closed its own pools (the drain deadline): the provider did nothing
      // wrong, and there is nowhere left to fail over to. Not retryable, so a final answer
      // that touches no health.
      if (endedByGateway(e)) return this.done({ kind: 'failed', error: Errors.shuttingDown() });
      return this.done(timeout ? { kind: 'failed', error: mapped, timeout } : { kind: 'failed', error: mapped });
    }
    // Bytes already reached the client: the stream is theirs; end it with an error event.
    ctx.error = mapped.message;
    if (this.mode === 'sse') {
      const sse = this.sse!;
      if (sse.fail) this.writeToClient(sse.fail(mapped));
      else {
        this.writeToClient(sse.flush());
        this.writer!.write(streamErrorEvent(ctx.endpoint.format, mapped));
      }
    }
    this.writer?.end();
    if (endedByGateway(e)) this.done(relayed(this.errorEvent));
    else this.done(timeout ? { kind: 'relayed', failure: mapped, timeout } : { kind: 'relayed', failure: mapped });
  }
}

import { GatewayError as GE } from '../errors/catalog.js';

/** The error an upstream HTTP error status stands for (the body passes through when relayed). */
export function upstreamStatusError(provider: string, status: number): GatewayError {
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500 || status === 401 || status === 403;
  return new GE(status, status >= 500 ? 'server_error' : 'invalid_request_error', 'upstream_error', `The upstream provider "${provider}" answered ${status}.`, null, retryable);
}
