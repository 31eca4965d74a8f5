// gwctl export / apply on a real 3-master Redis Cluster, where the registry's keys live in
// different slots: no single script can write them all, so an apply is written entity by
// entity, then one revision bump and one event (the weaker guarantee docs/declarative-config.md
// states).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRedis, Registry, type RegistryEvent } from '@llmgw/core';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctl, gwctlOk } from './support/cli.js';
import { startRedisCluster, type LocalCluster } from './support/redis-cluster.js';

let cluster: LocalCluster;
let registry: Registry;
const dir = mkdtempSync(path.join(tmpdir(), 'gw-apply-cluster-'));
const env = (extra: Record<string, string> = {}) => ({ REDIS_CLUSTER_NODES: cluster.nodes, ...extra });

beforeAll(async () => {
  ensureBuilt();
  cluster = await startRedisCluster();
  registry = new Registry(createRedis({ clusterNodes: cluster.nodes }));
});
afterAll(async () => {
  await registry?.redis.quit();
  await cluster?.stop();
});
beforeEach(async () => {
  for (const port of cluster.ports) {
    const node = new Redis(port, '127.0.0.1');
    await node.flushall();
    node.disconnect();
  }
});

describe('gwctl apply on Redis Cluster', () => {
  it('export → apply is a no-op; a change is written with one revision bump and one event; a broken file writes nothing', async () => {
    await registry.addProvider({ name: 'p1', base_url: 'http://127.0.0.1:1/v1', secrets: ['env:P1_KEY'] });
    await registry.bindModel('m1', { provider: 'p1' });
    await registry.createKey({ name: 'k1', models: ['m1'] });
    const exported = await gwctlOk(['export'], env());
    const same = path.join(dir, 'same.yaml');
    writeFileSync(same, exported);
    const rev = await registry.revision();
    expect((await gwctl(['diff', '-f', same, '--prune'], env())).code).toBe(0);
    expect(await gwctlOk(['apply', '-f', same, '--prune'], env())).toContain('no changes');
    expect(await registry.revision()).toBe(rev);

    const events: RegistryEvent[] = [];
    const unsubscribe = await registry.subscribe((e) => events.push(e));
    const doc = parse(exported);
    doc.providers.p2 = { base_url: 'http://127.0.0.1:2/v1' };
    doc.models.m1.targets.push({ provider: 'p2', model: 'm1' });
    doc.models.m2 = { alias_of: 'm1' };
    doc.keys.k2 = { key: 'env:K2', models: ['m2'] };
    delete doc.keys.k1;
    const changed = path.join(dir, 'changed.yaml');
    writeFileSync(changed, stringify(doc));
    const out = await gwctlOk(['apply', '-f', changed, '--prune', '--yes'], env({ K2: 'k2-raw-key-for-the-cluster-0001' }));
    expect(out).toContain('applied: 3 created, 1 updated, 1 deleted');
    expect(await registry.revision()).toBe(rev + 1);
    await expect.poll(() => events.length).toBe(5);
    expect(new Set(events.map((e) => e.rev))).toEqual(new Set([rev + 1]));
    await unsubscribe();
    expect((await registry.listProviders()).map((p) => p.name)).toEqual(['p1', 'p2']);
    expect((await registry.listKeys()).map((k) => k.name)).toEqual(['k2']);
    expect((await registry.getKeyByRaw('k2-raw-key-for-the-cluster-0001'))?.models).toEqual(['m2']);
    expect((await gwctl(['diff', '-f', changed, '--prune'], env({ K2: 'k2-raw-key-for-the-cluster-0001' }))).code).toBe(0);

    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, stringify({ ...doc, models: { ...doc.models, m3: { targets: [{ provider: 'nope', model: 'x' }] } } }));
    const r = await gwctl(['apply', '-f', broken], env({ K2: 'k2-raw-key-for-the-cluster-0001' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('models.m3.targets[0].provider: no provider nope');
    expect(await registry.revision()).toBe(rev + 1);
  });
});
