import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { Errors, type GatewayError } from '../errors/catalog.js';
import { errorBody } from '../errors/render.js';
import { listen, type HttpListener } from '../http/server.js';
import type { GatewayRequest, ResponseSink } from '../http/types.js';
import type { Uws } from '../http/uws.js';
import type { Logger } from '../logger.js';
import type { Supervisor } from './supervisor.js';

const JSON_CT = { 'content-type': 'application/json' };

/** The supervisor's own series, next to the workers' sums. */
function supervisorRegistry(sup: Supervisor): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'llmgw_workers',
    help: 'Worker processes of this pod (GW_WORKERS), by state: `listening` serve the port, `starting` are being (re)started.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const up = sup.workers.filter((w) => w.listening).length;
      this.set({ state: 'listening' }, up);
      this.set({ state: 'starting' }, sup.workers.length - up);
    },
  });
  new Counter({
    name: 'llmgw_worker_restarts_total',
    help: 'Workers started again after they died (their counters restart from 0: rates over a restart dip).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sup.workers.reduce((a, w) => a + w.restarts, 0));
    },
  });
  return registry;
}

/**
 * The admin listener of a pod with several workers: /metrics sums the workers' metrics
 * (prom-client's AggregatorRegistry: counters and histograms summed, each gauge by its own
 * rule), /ready is 200 while at least one worker is ready and the pod is not draining,
 * /status is a ready worker's with the list of workers.
 */
export function startSupervisorAdmin(uws: Uws, opts: { host: string; port: number }, sup: Supervisor, log: Logger): Promise<HttpListener> {
  const own = supervisorRegistry(sup);
  const json = (res: ResponseSink, status: number, body: unknown) => res.send(status, JSON_CT, JSON.stringify(body));
  const error = (res: ResponseSink, err: GatewayError) => res.send(err.status, JSON_CT, errorBody(err));
  const fail = (res: ResponseSink, what: string) => (e: unknown) => {
    log.error({ err: e }, `admin ${what} failed`);
    error(res, Errors.internal());
  };
  const workerList = (ready: Map<number, boolean>) =>
    sup.workers.map((w) => ({ id: w.id, pid: w.child?.pid ?? null, listening: w.listening, ready: ready.get(w.id) ?? false, restarts: w.restarts, startedAt: new Date(w.startedAt).toISOString() }));

  const handler = (req: GatewayRequest, res: ResponseSink) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(res, Errors.methodNotAllowed(req.method, req.path));
    switch (req.path) {
      case '/metrics':
        sup
          .ask('metrics')
          .then(async (answers) => {
            const sums = AggregatorRegistry.aggregate(answers.flatMap((a) => (a.metrics ? [a.metrics] : [])));
            const merged = Registry.merge([sums as Registry, own]);
            res.send(200, { 'content-type': merged.contentType }, await merged.metrics());
          })
          .catch(fail(res, 'metrics'));
        return;
      case '/health':
      case '/healthz':
        return json(res, 200, { status: 'ok' });
      case '/ready':
      case '/readyz':
        sup
          .ask('status', 1_000)
          .then((answers) => {
            const ready = !sup.stopping && answers.some((a) => a.ready);
            json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', accepting: !sup.stopping, workers: workerList(new Map(answers.map((a) => [a.slot.id, a.ready]))) });
          })
          .catch(fail(res, 'ready'));
        return;
      case '/status':
        sup
          .ask('status')
          .then((answers) => {
            const first = answers.find((a) => a.ready) ?? answers[0];
            const base = first && typeof first.status === 'object' && first.status !== null ? first.status : {};
            json(res, 200, { ...base, accepting: !sup.stopping, workers: workerList(new Map(answers.map((a) => [a.slot.id, a.ready]))) });
          })
          .catch(fail(res, 'status'));
        return;
      default:
        return error(res, Errors.routeNotFound(req.method, req.path));
    }
  };
  return listen(uws, { host: opts.host, port: opts.port, maxBodyBytes: 1024 }, handler);
}
