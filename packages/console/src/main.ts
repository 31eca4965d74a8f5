#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis, describeRedisTarget, Registry, redisTargetFromEnv } from '@llmgw/core';
import { loadConsoleConfig } from './config.js';
import { createConsoleServer } from './server.js';
import { rollupUsageSource } from './usage-source.js';

/* The console process: `node packages/console/dist/main.js` with REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES, REDIS_TLS*, as gwctl) and CONSOLE_PORT. */

const log = (msg: string, extra: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...extra })}\n`);

function main(): void {
  let config;
  try {
    config = loadConsoleConfig(process.env);
  } catch (e) {
    process.stderr.write(`console: bad configuration: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const target = redisTargetFromEnv(process.env);
  if (!target.url && !target.sentinels && !target.clusterNodes) target.url = 'redis://127.0.0.1:6379';
  const redis = createRedis(target, { connectionName: 'llmgw-console' });
  redis.on('error', (e: Error) => log('redis error', { error: e.message }));
  const registry = new Registry(redis, { onInvalid: (bad) => log('invalid record skipped', { ...bad }), onAuditError: (e) => log('audit append failed', { error: (e as Error).message }) });
  const keyNames = async () => new Map((await registry.listKeys()).map((k) => [k.id, k.name] as const));
  const webRoot = join(dirname(fileURLToPath(import.meta.url)), 'web');
  const server = createConsoleServer({
    redis, registry, usage: rollupUsageSource(redis, keyNames), webRoot,
    session: { ttlSeconds: config.CONSOLE_SESSION_TTL_S, secure: config.CONSOLE_COOKIE_SECURE },
    onError: (e) => log('request failed', { error: (e as Error)?.stack ?? String(e) }),
  });
  server.listen(config.CONSOLE_PORT, config.CONSOLE_HOST, () => {
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : config.CONSOLE_PORT;
    log('console listening', { url: `http://${config.CONSOLE_HOST}:${port}/`, redis: describeRedisTarget(target) });
  });
  const stop = () => {
    server.close();
    redis.disconnect();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
