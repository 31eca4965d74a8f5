import { hashKey, readAudit, REDIS_KEYS, verifyAdminToken } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { auditList } from '../audit/index.js';
import { keyAdd } from '../key/add.js';
import { providerAdd } from '../provider/add.js';
import { adminTokenAdd, adminTokenDel, adminTokenList } from './token.js';

describe('gwctl admin token and gwctl audit', () => {
  const t = useGwctl();

  it('admin token add prints the token once and stores only its hash; list never shows it; del removes it', async () => {
    const { ctx, out } = t.context();
    await adminTokenAdd(ctx, { name: 'ops', role: 'editor', json: true });
    const { token, role } = JSON.parse(out.stdout()) as { token: string; role: string };
    expect(token).toMatch(/^gwadm-[A-Za-z0-9_-]{32}$/);
    expect(role).toBe('editor');
    expect(await t.redis.hgetall(REDIS_KEYS.adminToken(hashKey(token)))).toMatchObject({ name: 'ops', role: 'editor' });
    expect(JSON.stringify(await t.redis.hgetall(REDIS_KEYS.adminToken(hashKey(token))))).not.toContain(token);
    expect((await verifyAdminToken(t.redis, token))?.name).toBe('ops');

    const listed = t.context();
    await adminTokenList(listed.ctx, { json: true });
    const items = JSON.parse(listed.out.stdout()) as Array<Record<string, string>>;
    expect(items.map((i) => [i.name, i.role])).toEqual([['ops', 'editor']]);
    expect(listed.out.stdout()).not.toContain(token);
    expect(items[0]).not.toHaveProperty('hash');

    await adminTokenDel(t.context({ yes: true }).ctx, { name: 'ops' });
    expect(await verifyAdminToken(t.redis, token)).toBeNull();
  });

  it('a duplicate name, an unknown one and a bad role are user errors that write nothing', async () => {
    await adminTokenAdd(t.context().ctx, { name: 'ops', role: 'viewer' });
    const before = await t.redis.xlen('gw:audit');
    await expect(adminTokenAdd(t.context().ctx, { name: 'ops', role: 'admin' })).rejects.toThrow(/already exists/);
    await expect(adminTokenDel(t.context({ yes: true }).ctx, { name: 'nobody' })).rejects.toThrow(/no admin token named "nobody"/);
    await expect(adminTokenAdd(t.context().ctx, { name: 'x', role: 'root' })).rejects.toThrow(/role: use viewer, editor, admin/);
    expect(await t.redis.smembers(REDIS_KEYS.adminTokens)).toHaveLength(1);
    expect(await t.redis.xlen('gw:audit')).toBe(before);
  });

  it('every gwctl write is audited as gwctl@host, secrets masked; gwctl audit lists them newest first', async () => {
    await providerAdd(t.context().ctx, { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: ['sk-proj-abcdefghijklmnop'] });
    await keyAdd(t.context().ctx, { name: 'team-a', rpm: 5 });
    const entries = await readAudit(t.redis);
    expect(entries.map((e) => e.action)).toEqual(['key.create', 'provider.create']);
    expect(entries[0]!.actor).toMatch(/^gwctl@/);
    expect(entries[1]!.after).toMatchObject({ name: 'openai', secrets: ['sk-p…mnop'] });
    expect(JSON.stringify(entries)).not.toContain('sk-proj-abcdefghijklmnop');

    const { ctx, out } = t.context();
    await auditList(ctx, {});
    const lines = out.stdout().trim().split('\n');
    expect(lines[0]).toMatch(/^when\s+who\s+what\s+target/);
    expect(lines[1]).toMatch(/gwctl@\S+\s+key\.create\s+team-a$/);
    const filtered = t.context();
    await auditList(filtered.ctx, { action: 'provider.', json: true });
    expect((JSON.parse(filtered.out.stdout()) as unknown[]).length).toBe(1);
  });
});
