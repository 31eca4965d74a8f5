import type { Registry } from 'prom-client';

/** A worker's metrics as prom-client's getMetricsAsJSON() gives them (what AggregatorRegistry sums). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Supervisor → worker, over the IPC channel of child_process.fork. */
export type ToWorker =
  | { t: 'metrics'; id: number }
  | { t: 'status'; id: number }
  /** Stop accepting, drain, exit (0 when every request in flight finished). */
  | { t: 'drain' };

/** Worker → supervisor. */
export type FromWorker =
  | { t: 'listening'; port: number }
  | { t: 'metrics'; id: number; metrics: MetricsJson | null }
  | { t: 'status'; id: number; ready: boolean; status: unknown };

/** The environment variable that makes main.js a worker (set by the supervisor, never by hand): its index. */
export const WORKER_ID_ENV = 'LLMGW_WORKER_ID';
/** Set (to 1) by the supervisor when it has an admin listener that will ask its workers for their metrics. */
export const WORKER_METRICS_ENV = 'LLMGW_WORKER_METRICS';
