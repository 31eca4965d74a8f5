import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';
import { hashKey } from './key-hash.js';
import { REDIS_KEYS } from './redis-keys.js';
import { Registry, RegistryValidationError, type InvalidRecord } from './registry.js';
import { RegistryConflictError } from './registry-write.js';

const { redis, url } = useTestRedis();

function registry(invalid: InvalidRecord[] = []) {
  return new Registry(redis, { onInvalid: (b) => invalid.push(b) });
}

describe('Registry providers', () => {
  it('writes hash, index, revision and event in one step', async () => {
    const sub = new Redis(url);
    const events: string[] = [];
    sub.on('message', (_c, m) => events.push(m));
    await sub.subscribe(REDIS_KEYS.events);
    const reg = registry();
    const rev0 = await reg.revision();
    await reg.addProvider({ name: 'prov-ev', base_url: 'http://127.0.0.1:1/v1', secrets: ['sk-literal-123456789'] });
    expect(await redis.sismember(REDIS_KEYS.providers, 'prov-ev')).toBe(1);
    expect(await reg.revision()).toBe(rev0 + 1);
    const raw = await redis.hgetall(REDIS_KEYS.provider('prov-ev'));
    expect(raw).toMatchObject({ v: '1', base_url: 'http://127.0.0.1:1/v1', secrets: '["sk-literal-123456789"]' });
    await expect.poll(() => events.filter((e) => e.includes('prov-ev')).length).toBe(1);
    expect(JSON.parse(events.find((e) => e.includes('prov-ev'))!)).toEqual({ kind: 'provider', name: 'prov-ev', op: 'put', rev: rev0 + 1 });
    await sub.quit();
  });

  it('refuses to create a duplicate and writes nothing on invalid input', async () => {
    const reg = registry();
    await reg.addProvider({ name: 'p', base_url: 'http://h/v1' });
    const rev = await reg.revision();
    await expect(reg.addProvider({ name: 'p', base_url: 'http://h/v1' })).rejects.toBeInstanceOf(RegistryConflictError);
    await expect(reg.addProvider({ name: 'q', base_url: 'not a url' })).rejects.toBeInstanceOf(RegistryValidationError);
    expect(await reg.revision()).toBe(rev);
    expect(await redis.exists(REDIS_KEYS.provider('q'))).toBe(0);
  });

  it('updates optimistically and detects a concurrent change', async () => {
    let t = 0;
    const reg = new Registry(redis, { now: () => new Date(1_700_000_000_000 + t++ * 1000) });
    await reg.addProvider({ name: 'p', base_url: 'http://h/v1' });
    const updated = await reg.updateProvider('p', () => ({ weight: 3 }));
    expect(updated.weight).toBe(3);
    const conflicting = reg.updateProvider('p', (p) => {
      // someone else writes between our read and our write
      void redis.hset(REDIS_KEYS.provider('p'), 'updated_at', new Date(0).toISOString());
      return { weight: p.weight + 1 };
    });
    await expect(conflicting).rejects.toMatchObject({ reason: 'changed' });
  });

  it('reports a bad record instead of throwing and skips it in lists', async () => {
    const invalid: InvalidRecord[] = [];
    const reg = registry(invalid);
    await reg.addProvider({ name: 'good', base_url: 'http://h/v1' });
    await redis.hset(REDIS_KEYS.provider('bad'), { name: 'bad', base_url: 'nope', v: '1' });
    await redis.sadd(REDIS_KEYS.providers, 'bad');
    expect(await reg.getProvider('bad')).toBeNull();
    expect((await reg.listProviders()).map((p) => p.name)).toEqual(['good']);
    expect(invalid.map((i) => i.key)).toContain('gw:provider:bad');
  });

  it('deletes hash and index entry', async () => {
    const reg = registry();
    await reg.addProvider({ name: 'p', base_url: 'http://h/v1' });
    await reg.deleteProvider('p');
    expect(await redis.exists(REDIS_KEYS.provider('p'))).toBe(0);
    expect(await redis.sismember(REDIS_KEYS.providers, 'p')).toBe(0);
    await expect(reg.deleteProvider('p')).rejects.toMatchObject({ reason: 'missing' });
  });
});

describe('Registry keys', () => {
  it('stores only the hash of a generated key', async () => {
    const reg = registry();
    const { key, raw } = await reg.createKey({ name: 'team-a', rpm: 600, models: ['gpt-4o*'] });
    expect(raw).toMatch(/^gw-[A-Za-z0-9]{40}$/);
    expect(key.hash).toBe(hashKey(raw));
    const dump = JSON.stringify(await redis.hgetall(REDIS_KEYS.key(key.hash)));
    expect(dump).not.toContain(raw);
    expect((await reg.getKeyByRaw(raw))?.name).toBe('team-a');
    expect((await reg.findKey('team-a'))?.id).toBe(key.id);
    expect((await reg.findKey(key.id))?.name).toBe('team-a');
    expect((await reg.findKey(raw.slice(0, 8)))?.name).toBe('team-a');
  });

  it('rejects short imported keys and duplicate names', async () => {
    const reg = registry();
    await expect(reg.createKey({ name: 'x' }, 'short')).rejects.toBeInstanceOf(RegistryValidationError);
    await expect(reg.createKey({ name: 'x' }, 'imported key 0123456789')).rejects.toThrow(/^the imported key holds a space \(character 9\)/);
    await expect(reg.createKey({ name: 'x' }, 'imported-key-0123456789\n')).rejects.toBeInstanceOf(RegistryValidationError);
    await reg.createKey({ name: 'x' }, 'imported-key-0123456789');
    await expect(reg.createKey({ name: 'x' })).rejects.toBeInstanceOf(RegistryConflictError);
    expect(await redis.scard(REDIS_KEYS.keys)).toBe(1);
  });

  it('rotates: same id and settings, old secret dead', async () => {
    const reg = registry();
    const a = await reg.createKey({ name: 'r', rpm: 5 });
    const b = await reg.rotateKey(a.key.hash);
    expect(b.raw).not.toBe(a.raw);
    expect(b.key).toMatchObject({ id: a.key.id, name: 'r', rpm: 5 });
    expect(await reg.getKeyByRaw(a.raw)).toBeNull();
    expect((await reg.getKeyByRaw(b.raw))?.id).toBe(a.key.id);
    expect(await redis.smembers(REDIS_KEYS.keys)).toEqual([b.key.hash]);
  });
});

describe('Registry models', () => {
  it('binds targets, refuses unknown providers, unbinds and deletes the last', async () => {
    const reg = registry();
    await reg.addProvider({ name: 'openai', base_url: 'http://h/v1' });
    await reg.addProvider({ name: 'openrouter', base_url: 'http://h2/v1' });
    await reg.bindModel('gpt-4o-mini', { provider: 'openai' });
    const m = await reg.bindModel('gpt-4o-mini', { provider: 'openrouter', model: 'openai/gpt-4o-mini', weight: 2 });
    expect(m.targets).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini', weight: 1, priority: 0 },
      { provider: 'openrouter', model: 'openai/gpt-4o-mini', weight: 2, priority: 0 },
    ]);
    await expect(reg.bindModel('gpt-4o-mini', { provider: 'nope' })).rejects.toThrow(/unknown provider/);
    expect((await reg.modelsBoundTo('openai')).map((x) => x.name)).toEqual(['gpt-4o-mini']);
    await reg.unbindModel('gpt-4o-mini', 'openai');
    expect((await reg.getModel('gpt-4o-mini'))?.targets).toHaveLength(1);
    expect(await reg.unbindModel('gpt-4o-mini', 'openrouter')).toBeNull();
    expect(await reg.getModel('gpt-4o-mini')).toBeNull();
    expect(await redis.scard(REDIS_KEYS.models)).toBe(0);
  });

  it('resolves aliases', async () => {
    const reg = registry();
    await reg.addProvider({ name: 'openai', base_url: 'http://h/v1' });
    await reg.bindModel('gpt-4o', { provider: 'openai' });
    await reg.putModel({ name: 'smart', alias_of: 'gpt-4o' });
    expect((await reg.resolveModel('smart'))?.name).toBe('gpt-4o');
    expect(await reg.resolveModel('missing')).toBeNull();
  });

  it('subscribe delivers parsed events', async () => {
    const reg = registry();
    const got: string[] = [];
    const close = await reg.subscribe((e) => got.push(`${e.kind}:${e.op}:${e.name}`));
    await reg.addProvider({ name: 'sub-p', base_url: 'http://h/v1' });
    await expect.poll(() => got).toContain('provider:put:sub-p');
    await close();
  });
});
