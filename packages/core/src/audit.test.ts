import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';
import { readAudit } from './audit.js';
import { applyRegistry } from './registry-apply.js';
import { Registry } from './registry.js';

const { redis } = useTestRedis();

describe('the audit log', () => {
  it('every Registry write appends who, what, before and after, upstream secrets and header values masked', async () => {
    const reg = new Registry(redis, { actor: 'token:alice', now: () => new Date('2030-01-01T00:00:00Z') });
    await reg.addProvider({ name: 'p', base_url: 'http://127.0.0.1:9/v1', secrets: ['sk-live-0123456789abcdef', 'env:UP_KEY'], headers: { 'OpenAI-Organization': 'org-secretish' } });
    await reg.updateProvider('p', () => ({ weight: 2 }));
    await reg.bindModel('m', { provider: 'p' });
    await reg.deleteModel('m');
    const entries = await readAudit(redis);
    expect(entries.map((e) => [e.action, e.target, e.actor])).toEqual([
      ['model.delete', 'm', 'token:alice'],
      ['model.create', 'm', 'token:alice'],
      ['provider.update', 'p', 'token:alice'],
      ['provider.create', 'p', 'token:alice'],
    ]);
    expect(entries[3]!.ts).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(entries[3]!.before).toBeNull();
    expect(entries[3]!.after).toMatchObject({ secrets: ['sk-l…cdef', 'env:UP_KEY'], headers: { 'OpenAI-Organization': '****' } });
    expect(entries[2]!.before).toMatchObject({ weight: 1 });
    expect(entries[2]!.after).toMatchObject({ weight: 2 });
    expect(entries[0]!.after).toBeNull();
    expect(JSON.stringify(entries)).not.toMatch(/sk-live-0123456789abcdef|org-secretish/);
  });

  it('an apply is one entry listing what changed; one that changes nothing appends nothing', async () => {
    const reg = new Registry(redis, { actor: 'gwctl@test' });
    const doc = { providers: { p: { base_url: 'http://127.0.0.1:9/v1' } }, models: { m: { targets: [{ provider: 'p', model: 'm' }] } } };
    await applyRegistry(reg, doc);
    const [entry, ...rest] = await readAudit(redis);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ action: 'registry.apply', actor: 'gwctl@test', after: { changes: [{ kind: 'provider', name: 'p', op: 'create' }, { kind: 'model', name: 'm', op: 'create' }] } });
    await applyRegistry(reg, doc);
    expect(await readAudit(redis)).toHaveLength(1);
  });

  it('filters by actor and action prefix, and pages back from an id', async () => {
    for (const actor of ['a', 'b', 'a']) await new Registry(redis, { actor }).addProvider({ name: `p${Math.random().toString(36).slice(2, 8)}`, base_url: 'http://x/v1' });
    expect((await readAudit(redis, { actor: 'a' })).length).toBe(2);
    expect((await readAudit(redis, { action: 'key.' })).length).toBe(0);
    const [newest, ...older] = await readAudit(redis);
    expect(await readAudit(redis, { before: newest!.id })).toEqual(older);
  });
});
