// gwctl export / diff / apply as real processes against this worker's Redis, and what a
// running gateway pod sees of an apply: every change, from the one event the apply publishes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashKey, REDIS_KEYS, Registry } from '@llmgw/core';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctl, gwctlOk } from './support/cli.js';
import { postChat, startTestGateway } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { startRedis } from '../scripts/lib/local-redis.mjs';

interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

// A long cache TTL and no gw:rev polling: only the apply's event can make changes visible.
const stack = useGatewayStack({ fakes: 2, env: { GW_CACHE_TTL_MS: '600000', GW_NEGATIVE_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '0' } });
const { registry } = stack;
const dir = mkdtempSync(path.join(tmpdir(), 'gw-apply-'));
const env = (extra: Record<string, string> = {}) => ({ REDIS_URL: stack.redisUrl, ...extra });
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

const UPSTREAM_LITERAL = 'sk-upstream-literal-secret-0001';

beforeAll(() => ensureBuilt());

/** A provider with a literal secret, a model with an alias and a price, and a key; returns the raw key. */
async function seed(): Promise<string> {
  await registry.addProvider({ name: 'fake', base_url: stack.fakes[0]!.url, secrets: [UPSTREAM_LITERAL] });
  await registry.bindModel('gpt-4o-mini', { provider: 'fake', model: 'gpt-4o-mini' });
  await registry.updateModel('gpt-4o-mini', () => ({ price_input: 0.15, price_output: 0.6 }));
  await registry.putModel({ name: 'mini', alias_of: 'gpt-4o-mini' });
  return (await registry.createKey({ name: 'team-a', models: ['gpt-4o*', 'mini'] })).raw;
}

/** Every bulk event published on gw:events while `fn` runs (pub/sub is server-wide: filtered by revision). */
async function bulkEvents(fn: () => Promise<void>): Promise<Array<{ rev: number; changes: unknown[] | null }>> {
  const sub = new Redis(stack.redisUrl);
  const seen: Array<{ kind: string; rev: number; changes: unknown[] | null }> = [];
  sub.on('message', (_c, m: string) => seen.push(JSON.parse(m)));
  await sub.subscribe(REDIS_KEYS.events);
  const before = await registry.revision();
  await fn();
  const after = await registry.revision();
  await new Promise((r) => setTimeout(r, 100));
  await sub.quit();
  return seen.filter((e) => e.kind === 'bulk' && e.rev > before && e.rev <= after);
}

describe('gwctl export → apply', () => {
  it('is a no-op: no difference, no write, the revision unchanged; secrets never in the output', async () => {
    const raw = await seed();
    const r = await gwctl(['export', '-o', 'yaml'], env());
    expect(r.code).toBe(0);
    for (const secret of [UPSTREAM_LITERAL, raw, hashKey(raw)]) expect(r.stdout + r.stderr).not.toContain(secret);
    const file = write('registry.yaml', r.stdout);
    const rev = await registry.revision();
    const diff = await gwctl(['diff', '-f', file, '--prune'], env());
    expect(diff).toMatchObject({ code: 0, stdout: '' });
    expect(await gwctlOk(['apply', '-f', file, '--prune'], env())).toContain('no changes');
    expect(await registry.revision()).toBe(rev);
    // JSON round-trips the same way
    const json = write('registry.json', await gwctlOk(['export', '-o', 'json'], env()));
    expect((await gwctl(['diff', '-f', json, '--prune'], env())).code).toBe(0);
  });
});

describe('a running gateway after gwctl apply', () => {
  it('sees every change of the apply at once, from one revision bump and one event', async () => {
    const raw = await seed();
    const [first, second] = stack.fakes as [typeof stack.fake, typeof stack.fake];
    // Warm the pod's cache with every record the apply will change.
    expect((await postChat(stack.gw, raw)).status).toBe(200);
    expect((await postChat(stack.gw, raw, { model: 'mini' })).status).toBe(200);
    expect((await postChat(stack.gw, raw, { model: 'gpt-4o' })).status).toBe(404);
    expect(first.received).toHaveLength(2);
    const newKey = 'ci-key-from-the-environment-0001';
    expect((await postChat(stack.gw, newKey)).status).toBe(401);

    const doc = parse(await gwctlOk(['export'], env()));
    doc.providers.fake.base_url = second.url; // the provider moves
    doc.providers.fake.headers = { 'x-team': 'blue' };
    doc.models['gpt-4o-mini'].targets = [{ provider: 'fake', model: 'gpt-4o-mini-2024-07-18' }]; // its target is renamed
    doc.models['gpt-4o'] = { targets: [{ provider: 'fake', model: 'gpt-4o' }] }; // a new model
    doc.models.mini.alias_of = 'gpt-4o'; // the alias moves
    doc.keys['team-a'].models = ['gpt-4o-mini']; // the key loses gpt-4o and mini
    doc.keys.ci = { key: 'env:CI_KEY', models: ['*'] }; // a new key
    const file = write('changed.yaml', stringify(doc));

    const rev = await registry.revision();
    const events = await bulkEvents(async () => {
      const out = await gwctlOk(['apply', '-f', file], env({ CI_KEY: newKey }));
      expect(out).toContain('applied: 2 created, 4 updated, 0 deleted');
    });
    expect(await registry.revision()).toBe(rev + 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.changes).toHaveLength(6);

    const chat = await postChat(stack.gw, raw);
    expect(chat.status).toBe(200);
    const got = second.received.at(-1)!;
    expect(got.json.model).toBe('gpt-4o-mini-2024-07-18');
    expect(got.headers['x-team']).toBe('blue');
    expect(got.headers.authorization).toBe(`Bearer ${UPSTREAM_LITERAL}`); // the literal secret stayed
    expect(first.received).toHaveLength(2);
    expect((await postChat(stack.gw, raw, { model: 'mini' })).status).toBe(403);
    const ci = await postChat(stack.gw, newKey, { model: 'mini' });
    expect(ci.status).toBe(200);
    expect(second.received.at(-1)!.json.model).toBe('gpt-4o');
    // The pod evicted exactly what changed: no whole-cache clear, and it knows the new revision.
    expect(stack.gw.logs.text).not.toContain('registry cache cleared');
    expect(stack.gw.gw.cache.revision).toBeGreaterThanOrEqual(rev + 1);
  });
});

// A private Redis: an event that drops whole caches must not reach the other test files' pods
// (pub/sub is server-wide; they share the run's Redis through their own databases).
describe('an apply too large to list its changes', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = (await startRedis());
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('makes every pod drop its whole cache, once', async () => {
    const own = new Registry(new Redis(redis.url));
    const pod = await startTestGateway({ REDIS_URL: redis.url, GW_CACHE_TTL_MS: '600000', GW_NEGATIVE_CACHE_TTL_MS: '600000', GW_REV_POLL_MS: '0' });
    try {
      await own.addProvider({ name: 'fake', base_url: stack.fakes[0]!.url, secrets: [UPSTREAM_LITERAL] });
      await own.bindModel('gpt-4o-mini', { provider: 'fake', model: 'gpt-4o-mini' });
      const { raw } = await own.createKey({ name: 'team-a', models: ['gpt-4o-mini'] });
      expect((await postChat(pod, raw)).status).toBe(200);
      expect((await postChat(pod, raw, { model: 'bulk-1000' })).status).toBe(404); // remembered as unknown
      const doc = parse(await gwctlOk(['export'], { REDIS_URL: redis.url }));
      for (let i = 0; i < 1001; i++) doc.models[`bulk-${i}`] = { alias_of: 'gpt-4o-mini' };
      doc.models['gpt-4o-mini'].targets = [{ provider: 'fake', model: 'renamed-upstream' }];
      const file = write('large.yaml', stringify(doc));
      const cleared = () => pod.logs.lines.filter((l) => l.includes('registry cache cleared')).length;
      expect(await gwctlOk(['apply', '-f', file], { REDIS_URL: redis.url })).toContain('applied: 1001 created, 1 updated, 0 deleted');
      await expect.poll(cleared).toBe(1);
      expect(pod.logs.text).toMatch(/"why":"bulk write at gw:rev 4","msg":"registry cache cleared"/);
      expect((await postChat(pod, raw)).status).toBe(200);
      expect(stack.fakes[0]!.received.at(-1)!.json.model).toBe('renamed-upstream');
      expect((await postChat(pod, raw, { model: 'bulk-1000' })).status).toBe(200);
    } finally {
      await pod.close();
      await own.redis.quit();
    }
  });
});
