import type { RunningGateway } from '../gateway.js';
import type { FromWorker, ToWorker } from './messages.js';

/**
 * The worker's side of the IPC channel to its supervisor: tell it the port is served, answer
 * its admin listener's questions (metrics, status), and drain when asked — or when the
 * channel closes (the supervisor died: a worker never outlives it).
 */
export function linkToSupervisor(gw: RunningGateway, drain: () => void): void {
  const send = (m: FromWorker) => {
    if (process.connected) process.send!(m);
  };
  process.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'metrics':
        if (!gw.metrics) return send({ t: 'metrics', id: m.id, metrics: null });
        gw.metrics.registry.getMetricsAsJSON().then(
          (metrics) => send({ t: 'metrics', id: m.id, metrics }),
          () => send({ t: 'metrics', id: m.id, metrics: null }),
        );
        return;
      case 'status':
        gw.status().then(
          (status) => send({ t: 'status', id: m.id, ready: gw.isReady(), status }),
          () => send({ t: 'status', id: m.id, ready: gw.isReady(), status: null }),
        );
        return;
      case 'drain':
        drain();
        return;
    }
  });
  process.on('disconnect', drain);
  // The supervisor went away while this worker booted, before these listeners: drain now
  // rather than serve on without it.
  if (!process.connected) return drain();
  send({ t: 'listening', port: gw.port });
}

