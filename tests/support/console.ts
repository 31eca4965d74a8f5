import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAdminToken, Registry, type AdminRole } from '@llmgw/core';
import { Redis } from 'ioredis';
import { createConsoleServer } from '../../packages/console/src/server.js';
import { rollupUsageSource } from '../../packages/console/src/usage-source.js';

const WEB_ROOT = fileURLToPath(new URL('../../packages/console/dist/web', import.meta.url));

export interface TestConsole {
  url: string;
  close(): Promise<void>;
}

/** The console's server in-process on port 0, on its own connection to `redisUrl`. */
export async function startTestConsole(redisUrl: string): Promise<TestConsole> {
  const redis = new Redis(redisUrl);
  const registry = new Registry(redis);
  const server = createConsoleServer({ redis, registry, usage: rollupUsageSource(redis, async () => new Map((await registry.listKeys()).map((k) => [k.id, k.name] as const))), webRoot: WEB_ROOT, session: { ttlSeconds: 600, secure: false } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await redis.quit();
    },
  };
}

/** One admin token per role, created as gwctl would (the raw tokens, by role). */
export async function tokensByRole(redis: Redis): Promise<Record<AdminRole, string>> {
  const out = {} as Record<AdminRole, string>;
  for (const role of ['viewer', 'editor', 'admin'] as const) out[role] = (await createAdminToken(redis, role, role, 'gwctl@test')).raw;
  return out;
}
