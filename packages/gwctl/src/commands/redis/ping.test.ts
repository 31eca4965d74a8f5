import { describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { parseInfo, redisPing } from './ping.js';

describe('redis ping', () => {
  const t = useGwctl();

  it('reports latency, version, mode, revision and registry counts', async () => {
    const { registry } = t.context();
    await registry.addProvider({ name: 'p', base_url: 'https://example.com/v1' });
    await registry.bindModel('m', { provider: 'p' });
    await registry.createKey({ name: 'k' });
    const j = t.context();
    await redisPing(j.ctx, { json: true });
    const r = JSON.parse(j.out.stdout());
    expect(r).toMatchObject({ reachable: true, mode: 'standalone', revision: 3, providers: 1, keys: 1, models: 1 });
    expect(r.version).toMatch(/^\d+\.\d+/);
    expect(r.latency_ms).toBeGreaterThanOrEqual(0);
    expect(r.target).toBe(t.url);
  });

  it('prints a human summary', async () => {
    const { ctx, out } = t.context();
    await redisPing(ctx, {});
    expect(out.stdout()).toMatch(/^PONG from redis:\/\/127\.0\.0\.1:\d+\/\d+ in [\d.]+ ms\n/);
    for (const f of ['redis version', 'mode', 'standalone', 'registry revision', 'providers', 'keys', 'models']) expect(out.stdout()).toContain(f);
  });

  it('parseInfo reads INFO fields', () => {
    expect(parseInfo('# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n')).toEqual({ redis_version: '7.2.4', redis_mode: 'standalone' });
  });
});
