import type { ChildProcess } from 'node:child_process';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TestGateway } from './gateway.js';

/** A redis-server of a test's own (`startRedis` in scripts/lib/local-redis.mjs). */
interface LocalRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface OwnRedis {
  /** The file's fake provider (from beforeAll). */
  fake: FakeProvider;
  /** The test's Redis, which it starts, stops, kills or restarts; stopped after each test. */
  server: LocalRedis | null;
  /** Gateways the test started: closed after each test, before its Redis stops. */
  gateways: TestGateway[];
}

/**
 * For files whose tests stall, kill or restart Redis (so not this worker's shared one): one
 * fake provider for the file, and each test's own redis-server and gateways cleaned up after it.
 */
export function useOwnRedis(): OwnRedis {
  const own: OwnRedis = { fake: null as unknown as FakeProvider, server: null, gateways: [] };
  beforeAll(async () => {
    own.fake = await startFakeProvider();
  });
  afterEach(async () => {
    await Promise.all(own.gateways.splice(0).map((g) => g.close()));
    await own.server?.stop();
    own.server = null;
  });
  afterAll(async () => {
    await own.fake?.close();
  });
  return own;
}
