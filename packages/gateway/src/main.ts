#!/usr/bin/env node
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
    throw e;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.log.info({ signal }, 'draining');
    const { drained } = await gw.shutdown();
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
