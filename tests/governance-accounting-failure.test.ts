// Usage of an upstream that reports none is estimated after the response with the tokenizer,
// which runs in a worker thread. A real way for that to fail: Node's permission model without
// --allow-worker, where creating the worker throws (ERR_ACCESS_DENIED). That used to throw
// synchronously past every fallback: the estimate's promise rejected with nothing to catch it,
// and Node's default for an unhandled rejection ended the process (one such request crashed
// the pod). Now the tokenizer fails the count, the estimate falls back to chars/4, and the
// usage is accounted as estimated.
import type { UsageEvent } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProm, sum } from './observability-helpers.js';
import { ensureBuilt } from './support/cli.js';
import { postChat, seedBasic, spawnGateway, testRegistry } from './support/gateway.js';
import { useTestRedis } from './support/redis.js';
import { streamEvents } from './support/usage-stream.js';

const { redis } = useTestRedis();
/** `--allow-addons` (uWS is a native addon) arrived in Node 20.16; older Nodes cannot run the gateway under the permission model. */
const permissionModel = process.allowedNodeEnvironmentFlags.has('--allow-addons');
let fake: FakeProvider;

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeProvider({ behaviour: { noUsage: true } });
});
afterAll(async () => {
  await fake?.close();
});

describe('usage accounting that fails after the response', () => {
  it.skipIf(!permissionModel)('a tokenizer that cannot start: usage falls back to chars/4, is accounted once, and the gateway keeps serving', async () => {
    const registry = testRegistry();
    // One request at a time: a slot that failed accounting kept would refuse the next request.
    const { rawKey } = await seedBasic(registry, fake.url, { key: { max_concurrency: 1 } });
    await registry.redis.quit();
    const gw = await spawnGateway({
      NODE_OPTIONS: '--experimental-permission --allow-fs-read=* --allow-addons --no-warnings',
      GW_ADMIN_PORT: '0',
    });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await postChat(gw, rawKey);
        expect(r.status).toBe(200);
        await r.text();
      }
      let events: UsageEvent[] = [];
      for (let i = 0; i < 100 && events.length < 3; i++) {
        events = await streamEvents(redis);
        if (events.length < 3) await new Promise((r) => setTimeout(r, 20));
      }
      expect(events).toHaveLength(3);
      for (const e of events) {
        expect(e).toMatchObject({ estimated: true });
        expect(e.prompt_tokens).toBeGreaterThan(0);
      }
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
      expect(gw.child.exitCode).toBeNull();
      const adminPort = Number(/"adminPort":(\d+)/.exec(gw.output())![1]);
      expect(sum(parseProm(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()), 'llmgw_usage_accounting_errors_total')).toBe(0);
      // Said once, with the reason.
      const warnings = gw.output().split('\n').filter((l) => l.includes('usage estimates fall back to chars/4'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/restricted|ERR_ACCESS_DENIED|worker/i);
    } finally {
      await gw.stop('SIGKILL');
    }
  });
});
