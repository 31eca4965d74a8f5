import type { RegistryCache } from './cache/registry-cache.js';
import { ANTHROPIC_MODELS_ENDPOINT, ENDPOINTS } from './api/endpoints.js';
import type { ApiRouter } from './api/router.js';
import type { Cors } from './http/cors.js';
import { Errors, toGatewayError, type GatewayError } from './errors/catalog.js';
import { errorBody, renderErrorBody, wsErrorMessage } from './errors/render.js';
import type { BodyRefusal, GatewayRequest, ResponseSink } from './http/types.js';
import type { WebSocketOptions } from './http/websocket.js';
import type { Logger } from './logger.js';
import { keyOf } from './pipeline/authenticate.js';
import type { RefusedRequest } from './observability/access-log.js';
import { runPipeline, type PipelineDeps } from './pipeline/run.js';
import { sendPlainJson, sendPreflight } from './relay/respond.js';
import { createContext } from './request-context.js';
import { requestId } from './request-id.js';
import type { GatewayStats } from './stats.js';

export interface AppDeps extends PipelineDeps {
  log: Logger;
  cache: RegistryCache;
  /** Path → endpoint, for the accepted prefixes (GW_API_PATH_PREFIXES). */
  router: ApiRouter;
  /** CORS (GW_CORS_ORIGINS): preflights are answered here; null: off, OPTIONS is 405. */
  cors: Cors | null;
  /** False while draining: /ready answers 503 and new proxied requests are refused. */
  isAccepting(): boolean;
  /** False once the drain is over (default: isAccepting). */
  isServing?(): boolean;
  /** Extra GET routes (e.g. /metrics on the public port when configured). */
  extraRoutes?: Map<string, (req: GatewayRequest, res: ResponseSink) => void>;
  /** Requests in flight, kept by the app for draining and metrics. */
  inFlight: { count: number };
  stats: GatewayStats;
  /** A request refused before it had a context (for metrics; unknown routes are endpoint `other`). */
  onRefused?(endpoint: string, status: number): void;
}

/**
 * The public listener's answer to a body it refuses itself (413 too large, 408 too slow):
 * counted like any refusal before a context and written to the access log like any other
 * request, in the error shape of its route (Anthropic on `/messages`), as the request would
 * have been answered had its body arrived.
 */
export function createBodyRefusal(deps: { router: ApiRouter; onBodyRefused?(r: RefusedRequest): void }): BodyRefusal {
  return (head, err, reqId) => {
    const endpoint = deps.router.label(head.path);
    deps.onBodyRefused?.({ reqId, method: head.method, endpoint, err, receivedAt: head.receivedAt, refusedAt: performance.now() });
    return renderErrorBody(ENDPOINTS.get(endpoint)?.format, err);
  };
}

/** Refusals `createApp` answers before a request has a context (unknown path, draining). */
const PRE_CONTEXT_REFUSALS = new Set<string | null>([Errors.routeNotFound('GET', '/').code, Errors.shuttingDown().code]);

/**
 * The Responses API's WebSocket mode as the listener needs it: upgrades only on `/responses`
 * (under an accepted prefix), only with a valid key (the same check as every request on the
 * socket gets again), none while draining; errors in the OpenAI shape.
 */
export function webSocketOptions(
  deps: Pick<AppDeps, 'router' | 'cache' | 'isAccepting' | 'cors' | 'onRefused'> & { onRefusedRequest?(r: RefusedRequest): void },
  limits: { idleTimeoutS: number; maxPayloadBytes: number; maxConnections: number },
): WebSocketOptions {
  return {
    accepts: (path) => {
      const r = deps.router.route('POST', path);
      return !('refused' in r) && r.endpoint.path === '/responses';
    },
    authorize: async (headers) => {
      if (!deps.isAccepting()) return Errors.shuttingDown();
      // A page of an origin CORS does not allow may not open a socket either (when CORS is on).
      if (deps.cors !== null && headers.origin !== undefined && !deps.cors.allows(headers.origin)) return Errors.corsOriginNotAllowed(headers.origin);
      try {
        await keyOf(headers, deps.cache);
        return null;
      } catch (e) {
        return toGatewayError(e);
      }
    },
    refused: (upgrade, err) => {
      // Observed as the HTTP request would be: an unknown path or a draining pod is refused
      // before any context (counted, no access line: createApp's `refuse`); a refused key or
      // origin leaves the access line and counts as a refusal with its reason, as a request the
      // pipeline refuses does.
      const reqId = requestId(upgrade.requestId);
      const endpoint = deps.router.label(upgrade.path);
      if (PRE_CONTEXT_REFUSALS.has(err.code)) deps.onRefused?.(endpoint, err.status);
      else deps.onRefusedRequest?.({ reqId, method: 'GET', endpoint, err, receivedAt: upgrade.receivedAt, refusedAt: performance.now(), transport: 'websocket' });
      return { reqId, body: errorBody(err) };
    },
    errorMessage: wsErrorMessage,
    ...limits,
  };
}

/** The request handler of the public listener: health, models, and the proxied API. */
export function createApp(deps: AppDeps): (req: GatewayRequest, res: ResponseSink) => void {
  const { log, cache, router, cors } = deps;
  // One hook for every request (not a closure made per request).
  const leave = (): void => void deps.inFlight.count--;

  function refuse(res: ResponseSink, id: string, err: GatewayError, endpoint: string, anthropicClient = false): void {
    deps.onRefused?.(endpoint, err.status);
    const format = ENDPOINTS.get(endpoint)?.format;
    sendPlainJson(res, err.status, id, renderErrorBody(format, err), anthropicClient || format === 'anthropic');
  }

  return (req, res) => {
    const id = requestId(req.headers['x-request-id']);
    const { method, path } = req;
    if (method === 'OPTIONS' && cors !== null && req.headers['access-control-request-method'] !== undefined) {
      // A browser's preflight, for any path: the request itself then gets its own answer (a 404
      // too), with the CORS headers the listener adds, so the page can read it.
      if (!cors.allows(req.headers.origin)) return refuse(res, id, Errors.corsOriginNotAllowed(req.headers.origin), router.label(path));
      return sendPreflight(res, id, cors.preflight(req.headers));
    }
    if (path === '/health' || path === '/healthz') return sendPlainJson(res, 200, id, '{"status":"ok"}');
    if (path === '/ready' || path === '/readyz') {
      const ready = deps.isAccepting() && cache.healthy;
      return sendPlainJson(res, ready ? 200 : 503, id, JSON.stringify({ status: ready ? 'ready' : 'not ready', registry: cache.healthy, accepting: deps.isAccepting() }));
    }
    const extra = method === 'GET' ? deps.extraRoutes?.get(path) : undefined;
    if (extra) return extra(req, res);

    // An Anthropic client (its SDK always sends anthropic-version) gets the models list in its
    // own shape, and `request-id` (what its SDK reads) besides x-request-id.
    const anthropicClient = req.headers['anthropic-version'] !== undefined;
    const r = router.route(method, path);
    if ('refused' in r) {
      const label = r.endpoint?.path ?? 'other';
      if (r.refused === 'method') return refuse(res, id, Errors.methodNotAllowed(method, path), label, anthropicClient);
      if (r.refused === 'bad_model_id') return refuse(res, id, Errors.modelNotFound(r.id), label, anthropicClient);
      return refuse(res, id, Errors.routeNotFound(method, path), 'other', anthropicClient);
    }
    const endpoint = anthropicClient && r.endpoint.kind === 'models' ? ANTHROPIC_MODELS_ENDPOINT : r.endpoint;
    // While draining, a request on an already open connection is still served (its connection
    // closes after the answer): a load balancer's idle keep-alive connection must not turn into
    // a client-visible 503 for a POST it cannot retry. Refused only once the drain is over.
    if (!(deps.isServing?.() ?? deps.isAccepting())) return refuse(res, id, Errors.shuttingDown(), endpoint.path, anthropicClient);

    const ctx = createContext(id, req, res, endpoint, log);
    if (anthropicClient || endpoint.format === 'anthropic') ctx.responseHeaders['request-id'] = id;
    if (r.model !== null) ctx.publicModel = r.model;
    deps.onRequestStart?.(ctx);
    deps.inFlight.count++;
    ctx.onFinish.push(leave);
    void runPipeline(ctx, deps);
  };
}
