#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { RedisConfigError } from '@llmgw/core';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { startGateway, UwsFallbackError } from './gateway.js';
import { createLogger } from './logger.js';
import { logOpenFilesLimit, readOpenFilesLimit } from './open-files-limit.js';
import { WORKER_ID_ENV, WORKER_METRICS_ENV } from './workers/messages.js';
import { resolveWorkerCount } from './workers/worker-count.js';
import { runSupervisor } from './workers/run-supervisor.js';
import { linkToSupervisor } from './workers/worker-link.js';

/**
 * Production entry point: configuration from the environment, then either one gateway in
 * this process (GW_WORKERS=1, or a worker of a supervisor) or a supervisor of GW_WORKERS
 * worker processes sharing the port.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`llmgw: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const workerId = process.env[WORKER_ID_ENV];
  if (workerId !== undefined) return serve(config, { id: Number(workerId), metrics: process.env[WORKER_METRICS_ENV] === '1' });
  const count = resolveWorkerCount(config.GW_WORKERS);
  if (count === 1) return serve(config, null);
  const log = createLogger(config.GW_LOG_LEVEL, undefined, { ...(config.GW_POD_NAME ? { pod: config.GW_POD_NAME } : {}), role: 'supervisor' }, config.GW_LOG_FLUSH_MS);
  logOpenFilesLimit(log, readOpenFilesLimit());
  await runSupervisor({ config, count, main: fileURLToPath(import.meta.url), log });
}

/** One gateway in this process; `worker` when a supervisor started it. */
async function serve(config: GatewayConfig, worker: { id: number; metrics: boolean } | null): Promise<void> {
  let gw;
  try {
    gw = await startGateway(config, worker === null ? { reportOpenFiles: true } : { worker });
  } catch (e) {
    if (e instanceof UwsFallbackError) {
      process.stderr.write(`llmgw: ${e.message}\n`);
      process.exit(3);
    }
    // A file named by the configuration cannot be used (GW_UPSTREAM_CA_FILE).
    if (e instanceof ConfigError) {
      process.stderr.write(`llmgw: ${e.message}\n`);
      process.exit(2);
    }
    // A Redis setting that cannot work (a TLS file missing or not PEM): a configuration error.
    if (e instanceof RedisConfigError) {
      process.stderr.write(`llmgw: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let stopping = false;
  /** `signal` null: the supervisor asked (or went away); never counted as a second signal. */
  const stop = async (signal: string | null) => {
    if (stopping) {
      if (signal === null) return;
      // A second signal (Ctrl-C twice, an impatient supervisor): stop waiting.
      gw.log.warn({ signal }, 'second signal during drain; exiting now');
      gw.log.flush?.();
      process.exit(1);
    }
    stopping = true;
    gw.log.info({ signal: signal ?? 'supervisor' }, 'signal received; draining');
    let code = 1;
    try {
      // Exit 0 only when every request in flight finished before GW_DRAIN_TIMEOUT_MS.
      code = (await gw.shutdown()).drained ? 0 : 1;
    } catch (e) {
      gw.log.error({ err: (e as Error).message }, 'shutdown failed');
    }
    // pino writes asynchronously: let the last lines reach stdout before exiting.
    gw.log.flush((/* err */) => process.exit(code));
    setTimeout(() => process.exit(code), 1_000).unref();
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (worker !== null) linkToSupervisor(gw, () => void stop(null));
}

void main();
