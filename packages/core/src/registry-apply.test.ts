import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';
import { hashKey } from './key-hash.js';
import { REDIS_KEYS } from './redis-keys.js';
import { applyRegistry } from './registry-apply.js';
import { RegistryDocumentError } from './registry-document.js';
import { exportRegistry } from './registry-export.js';
import { diffRegistry } from './registry-plan.js';
import { Registry } from './registry.js';

const { redis, url } = useTestRedis();
const registry = () => new Registry(redis);

async function seed(reg: Registry) {
  await reg.addProvider({ name: 'openai', base_url: 'http://127.0.0.1:1/v1', secrets: ['env:OPENAI_KEY'], weight: 3 });
  await reg.addProvider({ name: 'lit', base_url: 'http://127.0.0.1:2/v1', secrets: ['sk-literal-secret-0001', 'env:LIT_API_KEY'], headers: { 'x-api-key': 'hdr-secret-0001', 'x-title': 'demo' } });
  await reg.bindModel('gpt-4o-mini', { provider: 'openai', model: 'gpt-4o-mini' });
  await reg.bindModel('gpt-4o-mini', { provider: 'lit', model: 'openai/gpt-4o-mini', weight: 2 });
  await reg.updateModel('gpt-4o-mini', () => ({ price_input: 0.15, price_output: 0.6, policy: 'weighted' }));
  await reg.putModel({ name: 'fast', alias_of: 'gpt-4o-mini' });
  const { raw } = await reg.createKey({ name: 'team-a', models: ['gpt-4o*'], rpm: 60, providers: ['openai'] });
  return raw;
}

async function snapshot(): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const k of (await redis.keys('gw:*')).sort()) {
    const type = await redis.type(k);
    // The audit log (a stream) counts by length: an apply that writes nothing appends nothing.
    if (type === 'stream') out[k] = { length: String(await redis.xlen(k)) };
    else out[k] = type === 'hash' ? await redis.hgetall(k) : type === 'set' ? { members: (await redis.smembers(k)).sort().join(',') } : { value: String(await redis.get(k)) };
  }
  return out;
}

describe('exportRegistry', () => {
  it('writes every entity without defaults, literal secrets or raw keys', async () => {
    const reg = registry();
    const raw = await seed(reg);
    const { document, warnings } = await exportRegistry(reg);
    const text = JSON.stringify(document);
    expect(text).not.toContain('sk-literal-secret-0001');
    expect(text).not.toContain('hdr-secret-0001');
    expect(text).not.toContain(raw);
    expect(text).not.toContain(hashKey(raw));
    expect(document.providers!.openai).toEqual({ base_url: 'http://127.0.0.1:1/v1', secrets: ['env:OPENAI_KEY'], weight: 3 });
    expect(document.providers!.lit!.secrets).toEqual(['env:LIT_API_KEY_2', 'env:LIT_API_KEY']);
    expect(Object.keys(document.providers!.lit!.literal_secrets!)).toEqual(['env:LIT_API_KEY_2']);
    expect(document.providers!.lit!.headers).toEqual({ 'x-api-key': expect.stringMatching(/^redacted:sha256:[0-9a-f]{16}$/), 'x-title': 'demo' });
    expect(document.models!.fast).toEqual({ alias_of: 'gpt-4o-mini' });
    expect(document.keys!['team-a']).toEqual({ id: expect.stringMatching(/^key_/), providers: ['openai'], models: ['gpt-4o*'], rpm: 60 });
    expect(warnings).toHaveLength(2);
  });

  it('never drops a required field, whatever its value', async () => {
    const reg = registry();
    await reg.addProvider({ name: 'x', base_url: 'http://x' });
    await reg.bindModel('y', { provider: 'x' });
    await reg.putModel({ name: 'a', alias_of: 'y' });
    const { document } = await exportRegistry(reg);
    expect(document.providers!.x).toEqual({ base_url: 'http://x' });
    expect(document.models!.a).toEqual({ alias_of: 'y' });
    expect((await diffRegistry(reg, document, { prune: true })).changes).toEqual([]);
  });

  it('export → apply changes nothing: no write, same revision', async () => {
    const reg = registry();
    await seed(reg);
    const before = await snapshot();
    const { document } = await exportRegistry(reg);
    expect((await diffRegistry(reg, document)).changes).toEqual([]);
    const r = await applyRegistry(reg, document, { prune: true });
    expect(r.changes).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('applyRegistry', () => {
  it('creates, updates and prunes in one write with one revision and one event', async () => {
    const reg = registry();
    await seed(reg);
    const rev0 = await reg.revision();
    const sub = new Redis(url);
    const events: string[] = [];
    sub.on('message', (_c, m: string) => events.push(m));
    await sub.subscribe(REDIS_KEYS.events);
    const { document } = await exportRegistry(reg);
    document.providers!.openai!.weight = 5;
    delete document.providers!.lit;
    document.models = { 'gpt-4o-mini': { targets: [{ provider: 'openai', model: 'gpt-4o-mini', weight: 1, priority: 0 }] }, 'gpt-4o': { targets: [{ provider: 'openai', model: 'gpt-4o', weight: 1, priority: 0 }] } };
    document.keys!.ci = { key: 'env:CI_KEY', models: ['gpt-4o'] };
    delete document.keys!['team-a'];
    const r = await applyRegistry(reg, document, { prune: true, env: { CI_KEY: 'ci-raw-key-0123456789-abc' } });
    expect(r.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      'update provider openai',
      'delete provider lit',
      'update model gpt-4o-mini',
      'create model gpt-4o',
      'delete model fast',
      'create key ci',
      'delete key team-a',
    ]);
    expect(r.changes[0]!.fields).toEqual([{ field: 'weight', from: 3, to: 5 }]);
    expect(r.revision).toBe(rev0 + 1);
    expect(await reg.revision()).toBe(rev0 + 1);
    expect((await reg.getKeyByRaw('ci-raw-key-0123456789-abc'))?.name).toBe('ci');
    expect((await reg.listProviders()).map((p) => p.name)).toEqual(['openai']);
    await expect.poll(() => events.filter((e) => e.includes('"bulk"')).length).toBe(1);
    const bulk = JSON.parse(events.find((e) => e.includes('"bulk"'))!);
    expect(bulk).toMatchObject({ kind: 'bulk', rev: rev0 + 1 });
    expect(bulk.changes).toHaveLength(7);
    await sub.quit();
  });

  it('names every problem and writes nothing', async () => {
    const reg = registry();
    await seed(reg);
    const before = await snapshot();
    const doc = {
      version: 1,
      providers: { openai: { base_url: 'not a url', wieght: 2 } },
      models: { m: { targets: [{ provider: 'nope', model: 'x' }] }, a: { alias_of: 'missing' } },
      keys: { newkey: { models: ['*'] }, other: { key: 'env:UNSET_VAR' }, lit: { key: 'sk-raw-in-the-file-0000000' } },
    };
    const err = await applyRegistry(reg, doc, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryDocumentError);
    const paths = (err as RegistryDocumentError).issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['providers.openai.wieght', 'providers.openai.base_url', 'models.m.targets.0.provider', 'models.a.alias_of', 'keys.newkey', 'keys.other.key', 'keys.lit.key']),
    );
    expect(await snapshot()).toEqual(before);
  });

  it('rotates a key whose key: resolves to another raw key, keeping its id', async () => {
    const reg = registry();
    const raw = await seed(reg);
    const old = (await reg.getKeyByRaw(raw))!;
    const { document } = await exportRegistry(reg);
    document.keys!['team-a']!.key = 'env:TEAM_A';
    const r = await applyRegistry(reg, document, { env: { TEAM_A: 'team-a-new-raw-key-000000' } });
    expect(r.changes).toEqual([{ kind: 'key', name: 'team-a', op: 'update', fields: [{ field: 'key', from: `${old.prefix}…`, to: 'team-a-new… (from env:TEAM_A)' }] }]);
    expect(await reg.getKeyByRaw(raw)).toBeNull();
    expect((await reg.getKeyByRaw('team-a-new-raw-key-000000'))?.id).toBe(old.id);
    // the same document again is a no-op
    expect((await applyRegistry(reg, document, { env: { TEAM_A: 'team-a-new-raw-key-000000' } })).changes).toEqual([]);
  });

  it('fails without writing when an entity changed since it was read', async () => {
    const reg = registry();
    await seed(reg);
    const { document } = await exportRegistry(reg);
    document.providers!.openai!.weight = 9;
    document.models!['gpt-4o-mini']!.price_input = 1;
    // someone else writes between the read and the write
    const racing = new Registry(redis);
    const orig = redis.eval.bind(redis);
    let raced = false;
    (redis as unknown as { eval: typeof redis.eval }).eval = (async (...args: Parameters<typeof redis.eval>) => {
      if (!raced) {
        raced = true;
        await racing.updateModel('gpt-4o-mini', () => ({ owned_by: 'someone' }));
      }
      return orig(...args);
    }) as typeof redis.eval;
    try {
      await expect(applyRegistry(reg, document)).rejects.toThrow(/changed by someone else/);
    } finally {
      (redis as unknown as { eval: typeof redis.eval }).eval = orig;
    }
    expect((await reg.getProvider('openai'))!.weight).toBe(3);
  });
});
