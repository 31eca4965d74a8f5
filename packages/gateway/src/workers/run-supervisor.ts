import type { GatewayConfig } from '../config.js';
import type { HttpListener } from '../http/server.js';
import { loadUws } from '../http/uws.js';
import type { Logger } from '../logger.js';
import { BootAborted, startSupervisor } from './supervisor.js';
import { startSupervisorAdmin } from './supervisor-admin.js';

/**
 * The supervisor process of a pod with several workers: the workers, the admin listener,
 * and the signals (SIGTERM/SIGINT: every worker drains, the exit code is 0 when all drained;
 * a second signal: the workers stop waiting).
 */
export async function runSupervisor(opts: { config: GatewayConfig; count: number; main: string; log: Logger }): Promise<void> {
  const { config, log } = opts;
  // A signal while the workers boot (Ctrl-C right after start): stop them and exit, rather
  // than die at once and leave them running without a supervisor.
  const boot = new AbortController();
  const stopBoot = (signal: string) => {
    log.info({ signal }, 'signal received while the workers start; stopping them');
    boot.abort();
  };
  process.on('SIGTERM', stopBoot);
  process.on('SIGINT', stopBoot);
  let sup;
  try {
    sup = await startSupervisor({ ...opts, signal: boot.signal });
  } catch (e) {
    if (e instanceof BootAborted) {
      log.info('workers stopped before serving');
      exitWhenFlushed(log, 0);
      return;
    }
    log.fatal({ err: (e as Error).message, killed: (e as { pids?: number[] }).pids }, 'workers could not start');
    exitWhenFlushed(log, 1);
    return;
  }
  process.off('SIGTERM', stopBoot);
  process.off('SIGINT', stopBoot);
  let admin: HttpListener | null = null;
  if (config.GW_ADMIN_PORT !== undefined) {
    try {
      admin = await startSupervisorAdmin(loadUws().uws, { host: config.GW_ADMIN_HOST, port: config.GW_ADMIN_PORT }, sup, log);
    } catch (e) {
      // A pod without its admin listener would never be ready: stop rather than serve blind.
      log.fatal({ err: (e as Error).message }, 'admin listener could not start; stopping the workers');
      await sup.stop();
      exitWhenFlushed(log, 1);
      return;
    }
    log.info({ adminPort: admin.port, adminHost: config.GW_ADMIN_HOST }, 'admin listener (/metrics, /status, /health, /ready), summing the workers');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal during drain; workers stop waiting');
      sup.hurry();
      return;
    }
    stopping = true;
    log.info({ signal, workers: sup.workers.length }, 'signal received; draining every worker');
    const code = await sup.stop();
    // The admin listener stays until the workers are gone, so /ready says 503 meanwhile.
    admin?.close();
    log.info({ code }, 'workers stopped');
    exitWhenFlushed(log, code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * Exit once the log lines held are written; after a second at most (stdout stuck: a full pipe
 * nobody reads), pino's exit handler tries once more synchronously.
 */
function exitWhenFlushed(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
  setTimeout(() => process.exit(code), 1_000).unref();
}
