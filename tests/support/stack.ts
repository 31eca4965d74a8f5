import type { Registry } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startTestGateway, testRegistry, type TestGateway } from './gateway.js';
import { useTestRedis } from './redis.js';

type Env = Record<string, string>;
type FakeOptions = Parameters<typeof startFakeProvider>[0];

export interface GatewayStackOptions {
  /** Configuration overrides for the one in-process gateway. */
  env?: Env;
  /** Several gateways sharing this worker's Redis (as pods would), one env each; `[]` for none. Overrides `env`. */
  gateways?: Env[];
  /** How many fake providers to start (default 1). */
  fakes?: number;
  fakeOptions?: FakeOptions;
  /** Reset every fake before each test (default true). */
  resetFakes?: boolean;
  /** A test Redis whose hooks are already registered (e.g. `useGwctl()`'s); default `useTestRedis()`. */
  testRedis?: { redis: Redis; url: string };
}

export interface GatewayStack {
  /** This worker's test Redis client, flushed before every test. */
  redis: Redis;
  redisUrl: string;
  /** A Registry on this worker's database, for seeding. */
  registry: Registry;
  /** The first fake provider; filled in by beforeAll. */
  fake: FakeProvider;
  fakes: FakeProvider[];
  /** The first gateway; filled in by beforeAll. */
  gw: TestGateway;
  gws: TestGateway[];
}

/**
 * The usual end-to-end setup: this worker's Redis (flushed before each test), a registry for
 * seeding, fake providers and in-process gateways started in beforeAll, the fakes reset before
 * each test, and in afterAll the gateways, then the fakes, then the registry's client closed.
 * `fake`, `fakes`, `gw` and `gws` exist only once beforeAll ran: read them inside hooks and tests.
 */
export function useGatewayStack(opts: GatewayStackOptions = {}): GatewayStack {
  const { redis, url } = opts.testRedis ?? useTestRedis();
  const stack = { redis, redisUrl: url, registry: testRegistry(), fakes: [], gws: [] } as unknown as GatewayStack;

  beforeAll(async () => {
    stack.fakes = await Promise.all(Array.from({ length: opts.fakes ?? 1 }, () => startFakeProvider(opts.fakeOptions)));
    stack.fake = stack.fakes[0]!;
    stack.gws = await Promise.all((opts.gateways ?? [opts.env ?? {}]).map((env) => startTestGateway(env)));
    stack.gw = stack.gws[0]!;
  });
  afterAll(async () => {
    await Promise.all(stack.gws.map((g) => g.close()));
    await Promise.all(stack.fakes.map((f) => f.close()));
    await stack.registry.redis.quit();
  });
  if (opts.resetFakes ?? true) {
    beforeEach(() => {
      for (const f of stack.fakes) f.reset();
    });
  }
  return stack;
}
