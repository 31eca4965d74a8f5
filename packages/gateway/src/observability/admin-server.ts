import { Errors, type GatewayError } from '../errors/catalog.js';
import { errorBody } from '../errors/render.js';
import type { GatewayRequest, ResponseSink } from '../http/types.js';
import { listen, type HttpListener } from '../http/server.js';
import type { Uws } from '../http/uws.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from './metrics.js';
import { buildStatus, type StatusSources } from './status.js';

export interface AdminOptions {
  host: string;
  port: number;
}

export interface AdminDeps extends StatusSources {
  metrics: GatewayMetrics;
  /** Same rule as the public /ready: registry reachable and read, and not draining. */
  isReady(): boolean;
  log: Logger;
}

const JSON_CT = { 'content-type': 'application/json' };

/** The admin request handler: /metrics, /health, /ready, /status (GET only). */
function createAdminHandler(deps: AdminDeps): (req: GatewayRequest, res: ResponseSink) => void {
  const json = (res: ResponseSink, status: number, body: unknown) => res.send(status, JSON_CT, JSON.stringify(body));
  const error = (res: ResponseSink, err: GatewayError) => res.send(err.status, JSON_CT, errorBody(err));
  const fail = (res: ResponseSink, what: string) => (e: unknown) => {
    deps.log.error({ err: e }, `admin ${what} failed`);
    error(res, Errors.internal());
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return error(res, Errors.methodNotAllowed(req.method, req.path));
    }
    switch (req.path) {
      case '/metrics':
        deps.metrics.render().then((text) => res.send(200, { 'content-type': deps.metrics.contentType }, text), fail(res, 'metrics'));
        return;
      case '/health':
      case '/healthz':
        return json(res, 200, { status: 'ok' });
      case '/ready':
      case '/readyz': {
        const ready = deps.isReady();
        return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', registry: deps.cache.healthy, accepting: deps.isAccepting() });
      }
      case '/status':
        buildStatus(deps).then((s) => json(res, 200, s), fail(res, 'status'));
        return;
      default:
        return error(res, Errors.routeNotFound(req.method, req.path));
    }
  };
}

/**
 * The admin listener: a second uWS app on its own interface and port (by default loopback),
 * so that metrics and status never share the public port.
 */
export function startAdminServer(uws: Uws, opts: AdminOptions, deps: AdminDeps): Promise<HttpListener> {
  return listen(uws, { host: opts.host, port: opts.port, maxBodyBytes: 1024 }, createAdminHandler(deps));
}
