#!/usr/bin/env node
import { RedisConfigError } from '@llmgw/core';
import { ConfigError, loadConfig } from './config.js';
import { startGateway, UwsFallbackError } from './gateway.js';

/** Production entry point: configuration from the environment, one gateway, signals. */
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
  let gw;
  try {
    gw = await startGateway(config);
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
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal (Ctrl-C twice, an impatient supervisor): stop waiting.
      gw.log.warn({ signal }, 'second signal during drain; exiting now');
      gw.log.flush?.();
      process.exit(1);
    }
    stopping = true;
    gw.log.info({ signal }, 'signal received; draining');
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
}

void main();
