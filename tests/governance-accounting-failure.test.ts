// A usage estimate that fails after the response must not take the gateway down.
//
// The real failure used here: Node's permission model without --allow-worker. The tokenizer
// that estimates usage for upstreams reporting none runs in a worker thread; creating it then
// throws (ERR_ACCESS_DENIED), synchronously, past the tokenizer's own chars/4 fallback. The
// estimate's promise rejected with nothing to catch it, and Node's default for an unhandled
// rejection ends the process: one such request crashed the pod.
import { RT_KEYS } from '@llmgw/core';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProm, sum } from './observability-helpers.js';
import { ensureBuilt } from './support/cli.js';
import { postChat, seedBasic, spawnGateway, testRegistry } from './support/gateway.js';
import { useTestRedis } from './support/redis.js';

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
  it.skipIf(!permissionModel)('is logged and counted, the gateway keeps serving, nothing is accounted twice and no slot is held', async () => {
    const registry = testRegistry();
    // One request at a time: a slot the failed accounting kept would refuse the next request.
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
      const adminPort = Number(/"adminPort":(\d+)/.exec(gw.output())![1]);
      let failures = 0;
      for (let i = 0; i < 100 && failures < 3; i++) {
        failures = sum(parseProm(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()), 'llmgw_usage_accounting_errors_total');
        if (failures < 3) await new Promise((r) => setTimeout(r, 20));
      }
      expect(failures).toBe(3);
      expect(gw.child.exitCode).toBeNull();

      const warnings = gw
        .output()
        .split('\n')
        .filter((l) => l.includes('usage accounting failed'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toMatchObject({ level: 40, err: expect.stringMatching(/restricted/) });
      expect(new Set(warnings.map((w) => w.reqId)).size).toBe(3);
      // The usage is lost, once: no event, no half-written spend.
      expect(await redis.xlen(RT_KEYS.usageStream)).toBe(0);
    } finally {
      await gw.stop('SIGKILL');
    }
  });
});
