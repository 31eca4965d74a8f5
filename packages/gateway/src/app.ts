import type { RegistryCache } from './cache/registry-cache.js';
import { Errors, errorBody, toGatewayError, type GatewayError } from './errors.js';
import type { BodyRefusal, GatewayRequest, ResponseSink } from './http/types.js';
import type { Logger } from './logger.js';
import type { RefusedRequest } from './observability/access-log.js';
import { authenticate } from './pipeline/authenticate.js';
import { createContext, type RequestContext } from './pipeline/context.js';
import { renderErrorBody } from './anthropic/anthropic-errors.js';
import { ENDPOINTS, stripApiPrefix, type Endpoint } from './pipeline/endpoints.js';
import { finish } from './pipeline/finish.js';
import { runPipeline, type PipelineDeps } from './pipeline/run.js';
import { requestId } from './request-id.js';
import { getModel, listModels } from './routes/models.js';
import type { GatewayStats } from './stats.js';

export interface AppDeps extends PipelineDeps {
  log: Logger;
  cache: RegistryCache;
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

const JSON_CT = 'application/json';
const MODELS_ENDPOINT: Endpoint = { path: '/models', body: 'json', streams: false, jsonResponse: true };

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The `endpoint` label of a path: the API path after its prefix (`/models` for model lookups), `other` when unknown. */
function endpointOf(path: string): string {
  const sub = stripApiPrefix(path);
  if (sub === null) return 'other';
  if (sub === '/models' || sub.startsWith('/models/')) return MODELS_ENDPOINT.path;
  return ENDPOINTS.get(sub)?.path ?? 'other';
}

/**
 * The public listener's answer to a body it refuses itself (413 too large, 408 too slow):
 * counted like any refusal before a context and written to the access log like any other
 * request, in the error shape of its route (Anthropic on `/messages`), as the request would
 * have been answered had its body arrived.
 */
export function createBodyRefusal(deps: { onBodyRefused?(r: RefusedRequest): void }): BodyRefusal {
  return (head, err, reqId) => {
    const endpoint = endpointOf(head.path);
    deps.onBodyRefused?.({ reqId, method: head.method, endpoint, err, receivedAt: head.receivedAt, refusedAt: performance.now() });
    return renderErrorBody(ENDPOINTS.get(endpoint)?.format, err);
  };
}

function sendJson(res: ResponseSink, status: number, id: string, body: string): void {
  res.send(status, { 'content-type': JSON_CT, 'x-request-id': id }, body);
}

/** The request handler of the public listener: health, models, and the proxied API. */
export function createApp(deps: AppDeps): (req: GatewayRequest, res: ResponseSink) => void {
  const { log, cache } = deps;

  async function models(ctx: RequestContext, id: string | null): Promise<void> {
    try {
      await authenticate(ctx, cache);
      const body = id === null ? await listModels(cache, ctx.key!) : await getModel(cache, ctx.key!, id);
      if (body === null) throw Errors.modelNotFound(id!);
      ctx.status = 200;
      sendJson(ctx.res, 200, ctx.id, body);
    } catch (e) {
      const err = toGatewayError(e);
      ctx.status = err.status;
      ctx.errorCode = err.code;
      sendJson(ctx.res, err.status, ctx.id, errorBody(err));
    } finally {
      finish(ctx, deps.onRequestEnd);
    }
  }

  function refuse(res: ResponseSink, id: string, err: GatewayError, endpoint: string): void {
    deps.onRefused?.(endpoint, err.status);
    sendJson(res, err.status, id, renderErrorBody(ENDPOINTS.get(endpoint)?.format, err));
  }

  return (req, res) => {
    const id = requestId(req.headers['x-request-id']);
    const { method, path } = req;
    if (path === '/health' || path === '/healthz') return sendJson(res, 200, id, '{"status":"ok"}');
    if (path === '/ready' || path === '/readyz') {
      const ready = deps.isAccepting() && cache.healthy;
      return sendJson(res, ready ? 200 : 503, id, JSON.stringify({ status: ready ? 'ready' : 'not ready', registry: cache.healthy, accepting: deps.isAccepting() }));
    }
    const extra = method === 'GET' ? deps.extraRoutes?.get(path) : undefined;
    if (extra) return extra(req, res);

    const sub = stripApiPrefix(path);
    if (sub === null) return refuse(res, id, Errors.routeNotFound(method, path), 'other');
    if (sub === '/models' || sub.startsWith('/models/')) {
      if (method !== 'GET') return refuse(res, id, Errors.methodNotAllowed(method, path), MODELS_ENDPOINT.path);
      const model = sub === '/models' ? null : safeDecode(sub.slice(8));
      // A malformed escape (`%E0%A4%A`) would throw inside the uWS callback: answer it instead.
      if (model === undefined) return refuse(res, id, Errors.modelNotFound(sub.slice(8)), MODELS_ENDPOINT.path);
      const ctx = createContext(id, req, res, MODELS_ENDPOINT, log);
      void models(ctx, model);
      return;
    }
    const endpoint = ENDPOINTS.get(sub);
    if (!endpoint) return refuse(res, id, Errors.routeNotFound(method, path), 'other');
    if (method !== 'POST') return refuse(res, id, Errors.methodNotAllowed(method, path), endpoint.path);
    // While draining, a request on an already open connection is still served (its connection
    // closes after the answer): a load balancer's idle keep-alive connection must not turn into
    // a client-visible 503 for a POST it cannot retry. Refused only once the drain is over.
    if (!(deps.isServing?.() ?? deps.isAccepting())) return refuse(res, id, Errors.shuttingDown(), endpoint.path);

    const ctx = createContext(id, req, res, endpoint, log);
    deps.inFlight.count++;
    ctx.onFinish.push(() => deps.inFlight.count--);
    void runPipeline(ctx, deps);
  };
}
