// Leases under faults: slices of a busy key's rpm, concurrency and budget are held by two pods
// when Redis stalls (SIGSTOP, past the command timeout) or dies. A pod keeps admitting from a
// slice until its bucket ends (it was reserved before the fault), then fails closed; the
// give-backs it could not send leave counts behind (the safe side) that age out. What must
// hold: no limit is passed, and nothing stays held after the leases' expiry.
// This file runs its own redis-server so that it can stop, resume and kill it.
import { readKeySpend, Registry, RT_KEYS } from '@llmgw/core';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startRedis } from '../scripts/lib/local-redis.mjs';
import { postChat, seedKeyWithId, startTestGateway, type TestGateway } from './support/gateway.js';
import { useOwnRedis } from './support/own-redis.js';
import { until } from './support/wait.js';

const own = useOwnRedis();

/** Chats from `workers` clients on each pod until `stop()` resolves: every status, into `statuses` as they come. */
function loadUntil(pods: TestGateway[], key: string, workers: number, stop: Promise<unknown>, statuses: number[] = []): Promise<number[]> {
  let done = false;
  void stop.then(() => (done = true));
  const worker = async (t: TestGateway) => {
    while (!done) {
      const r = await postChat(t, key, { max_tokens: 5 });
      await r.arrayBuffer();
      statuses.push(r.status);
    }
  };
  return Promise.all(pods.flatMap((t) => Array.from({ length: workers }, () => worker(t)))).then(() => statuses);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const leaseAdmissions = (pods: TestGateway[]) => pods.reduce((n, p) => n + p.gw.stats.leaseAdmissions, 0);

describe('leases under faults', () => {
  it.each(['stall', 'kill'] as const)('Redis %s with slices held, failing closed: the rpm is never passed, every upstream call is a 200, and no slot or reservation outlives its lease', async (fault) => {
    const port = await freePort();
    // AOF, fsync always: a killed Redis comes back with what it acknowledged (the counts held by slices too).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-lease-aof-'));
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    own.server = await startRedis({ port, args });
    const registryClient = new Redis(own.server.url);
    registryClient.on('error', () => {}); // refused while Redis is down in the kill
    const registry = new Registry(registryClient);
    // Each request spends $0.007 and reserves $0.02 (prices: $0.001 a token).
    const { raw, id } = await seedKeyWithId(registry, own.fake.url, { rpm: 300, max_concurrency: 20, budget_daily: 50 }, { input: 1000, output: 1000 });
    const env = { REDIS_URL: own.server.url, GW_LIMITS_FAIL_CLOSED: '1', GW_LIMITS_TIMEOUT_MS: '200', GW_REDIS_COMMAND_TIMEOUT_MS: '300', GW_CONCURRENCY_LEASE_MS: '2000' };
    const pods = await Promise.all([0, 1].map(() => startTestGateway(env)));
    own.gateways.push(...pods);
    own.fake.reset();
    own.fake.setBehaviour({ headersDelayMs: 2 });
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const seen: number[] = [];
    const run = loadUntil(pods, raw, 4, stopped, seen);
    // Half the rpm served, most of it from slices: the slices held when the fault hits are big.
    await until(() => leaseAdmissions(pods) > 20 && own.fake.received.length >= 150, 'the pods admit from slices', 10_000);
    if (fault === 'stall') {
      own.server.process.kill('SIGSTOP');
      await sleep(1500);
      own.server.process.kill('SIGCONT');
    } else {
      await own.server.stop();
      await sleep(500);
      own.server = await startRedis({ port, args });
    }
    // Until the pods have reached the rpm again (ioredis reconnects with a growing backoff: on a
    // busy machine that can take longer than the Redis restart itself), or 15 s.
    const faultAt = seen.length;
    await until(() => seen.indexOf(429, faultAt) !== -1, 'the rpm is reached after the fault', 15_000).catch(() => {});
    stop();
    const statuses = await run;
    own.fake.setBehaviour({});
    const served = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429 && s !== 503)).toEqual([]);
    expect(statuses, 'failing closed: the fault was felt').toContain(503);
    // The rpm was reached after the fault, and never passed.
    expect(statuses).toContain(429);
    expect(served).toBeLessThanOrEqual(300);
    expect(own.fake.received.filter((r) => r.path.endsWith('/chat/completions')).length).toBe(served);
    const check = new Redis(own.server.url);
    try {
      // What could not be given back or freed in the fault ends with its lease (2 s here).
      await until(async () => (await check.zcard(RT_KEYS.keyConcurrency(id))) === 0, 'no concurrency slot held', 10_000);
      await until(async () => (await check.zcard(RT_KEYS.keyReservations(id))) === 0, 'no reservation held', 10_000);
      if (fault === 'stall') {
        // Counts left behind are on the safe side: the window holds at least what was served.
        expect(Number(await check.hget(RT_KEYS.keyWindow(id), '_r'))).toBeGreaterThanOrEqual(served);
      }
      expect((await readKeySpend(check, id, new Date())).today.cost_usd).toBeLessThanOrEqual(50);
    } finally {
      check.disconnect();
      await registry.redis.quit().catch(() => registry.redis.disconnect());
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
