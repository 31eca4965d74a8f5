import { hashKey } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { providerAdd } from '../provider/add.js';
import { keyAdd } from './add.js';
import { keyDel } from './del.js';
import { keyDisable } from './disable.js';
import { keyEdit } from './edit.js';
import { keyEnable } from './enable.js';
import { keyList } from './list.js';
import { keyRotate } from './rotate.js';
import { keyShow } from './show.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const IMPORTED = 'sk-imported-key-0123456789abcdef';

describe('key handlers', () => {
  const t = useGwctl();

  /** Create a key and return the raw key from the --json output. */
  async function add(name: string, extra: Record<string, unknown> = {}) {
    const { ctx, out } = t.context({ now: NOW });
    await keyAdd(ctx, { name, json: true, ...extra });
    return JSON.parse(out.stdout()) as { key: string; id: string; name: string; prefix: string };
  }

  it('add generates a gw- key, prints it once, stores only its hash and every setting', async () => {
    await providerAdd(t.context().ctx, { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: ['K'] });
    const { ctx, out, registry } = t.context({ now: NOW });
    await keyAdd(ctx, {
      name: 'team-a',
      modelAllow: ['gpt-4o*', 'claude-*'],
      providerAllow: ['openai'],
      policy: 'latency',
      rpm: 600,
      tpm: 100_000,
      maxConcurrency: 8,
      budgetDaily: 5,
      budgetMonthly: 50,
      expires: '30d',
    });
    const raw = /^\s+(gw-[A-Za-z0-9]{40})$/m.exec(out.stdout())?.[1];
    expect(raw).toBeDefined();
    expect(out.stdout()).toMatch(/shown only this once/);
    const k = (await registry.getKeyByRaw(raw!))!;
    expect(k).toMatchObject({
      name: 'team-a',
      models: ['gpt-4o*', 'claude-*'],
      providers: ['openai'],
      policy: 'latency',
      rpm: 600,
      tpm: 100_000,
      max_concurrency: 8,
      budget_daily: 5,
      budget_monthly: 50,
      expires_at: '2030-01-31T00:00:00.000Z',
      hash: hashKey(raw!),
    });
    // The raw key is nowhere in Redis.
    const dump = JSON.stringify(await t.redis.hgetall(`gw:key:${k.hash}`));
    expect(dump).not.toContain(raw!);
  });

  it('add --json prints {key, id, name, prefix}; --key imports a key, which is never printed', async () => {
    const j = await add('imp', { key: IMPORTED });
    expect(j).toEqual({ key: null, id: expect.stringMatching(/^key_/), name: 'imp', prefix: IMPORTED.slice(0, 10) });
    expect(await t.context().registry.getKeyByRaw(IMPORTED)).not.toBeNull();
  });

  it('add --key - reads the key from stdin, dropping one trailing newline (LF or CRLF) and no more', async () => {
    const { ctx, out } = t.context({ stdin: `${IMPORTED}\r\n` });
    await keyAdd(ctx, { name: 'piped', key: '-', json: true });
    expect(JSON.parse(out.stdout())).toMatchObject({ key: null, name: 'piped' });
    expect(out.stdout() + out.stderr()).not.toContain(IMPORTED);
    expect(await t.context().registry.getKeyByRaw(IMPORTED)).not.toBeNull();

    const before = await t.revision();
    const tooShort = /^--key is too short: an imported key needs at least 20 characters$/;
    await expect(keyAdd(t.context({ stdin: '' }).ctx, { name: 'empty', key: '-' })).rejects.toThrow(/^--key is empty$/);
    await expect(keyAdd(t.context({ stdin: '\n' }).ctx, { name: 'empty', key: '-', allowShortKey: true })).rejects.toThrow(/^--key is empty$/);
    // Nobody saw a short key that came through a pipe: it needs --allow-short-key.
    await expect(keyAdd(t.context({ stdin: 'short-key\n' }).ctx, { name: 'short', key: '-' })).rejects.toThrow(tooShort);
    await expect(keyAdd(t.context({ stdin: 'short-key\n' }).ctx, { name: 'short', key: '-' })).rejects.toMatchObject({ hint: /--allow-short-key/ });
    await expect(keyAdd(t.context({ stdin: `${IMPORTED}x\n\n` }).ctx, { name: 'two', key: '-' })).rejects.toThrow(/more than one line/);
    await expect(keyAdd(t.context({ stdin: `${IMPORTED}\n` }).ctx, { name: 'again', key: '-' })).rejects.toThrow(/already registered/);
    expect(await t.revision()).toBe(before);
  });

  it('add refuses an imported key with whitespace, control or non-ASCII characters, from the flag or stdin, writing nothing', async () => {
    const before = await t.revision();
    const half = IMPORTED.slice(0, 12);
    const rest = IMPORTED.slice(12);
    const cases: Array<[string, RegExp]> = [
      [`${half} ${rest}`, /^--key holds a space \(character 13\): an imported key must be printable ASCII, without whitespace or control characters$/],
      [` ${IMPORTED}`, /^--key holds a space \(character 1\)/],
      [`${IMPORTED} `, /^--key holds a space \(character 33\)/],
      [`${half}\t${rest}`, /^--key holds a tab \(character 13\)/],
      [`${half}\u0000${rest}`, /^--key holds a control character \(character 13\)/],
      [`${half}\u001b[0m${rest}`, /^--key holds a control character/],
      [`${half}\u007f${rest}`, /^--key holds a control character/],
      [`${half}\u00a0${rest}`, /^--key holds a character outside printable ASCII/],
      [`${half}é${rest}`, /^--key holds a character outside printable ASCII/],
    ];
    for (const [raw, message] of cases) {
      await expect(keyAdd(t.context().ctx, { name: 'bad', key: raw }), JSON.stringify(raw)).rejects.toThrow(message);
      // The same key piped in, with the trailing newline a shell leaves.
      await expect(keyAdd(t.context({ stdin: `${raw}\n` }).ctx, { name: 'bad', key: '-' }), JSON.stringify(raw)).rejects.toThrow(message);
    }
    // A lone carriage return (no LF after it) is not a newline to drop: it is part of the key, and refused.
    await expect(keyAdd(t.context({ stdin: `${IMPORTED}\r` }).ctx, { name: 'bad', key: '-' })).rejects.toThrow(/^--key holds a line break \(character 33\)/);
    expect(await t.revision()).toBe(before);
    expect(await t.redis.scard('gw:keys')).toBe(0);

    // Through the real program: one clean line on stderr that never echoes the key, exit code 1.
    const secretish = `${half} ${rest}`;
    const r = await t.cli(['key', 'add', 'bad', '--key', secretish]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --key holds a space \(character 13\)/);
    expect(r.stderr).not.toContain(half);
    expect(r.stdout).toBe('');
    expect(await t.revision()).toBe(before);
  });

  it('add rejects a short imported key, a duplicate, unknown providers, bad expiry and limits, writing nothing', async () => {
    await add('team-a', { key: IMPORTED });
    const before = await t.revision();
    const { ctx } = t.context({ now: NOW });
    await expect(keyAdd(ctx, { name: 'team-a' })).rejects.toThrow(/key "team-a" already exists/);
    await expect(keyAdd(ctx, { name: 'again', key: IMPORTED })).rejects.toThrow(/already registered/);
    await expect(keyAdd(ctx, { name: 'p', providerAllow: ['nope'] })).rejects.toThrow(/unknown provider\(s\) in --provider-allow: nope/);
    await expect(keyAdd(ctx, { name: 'e', expires: 'tomorrow' })).rejects.toThrow(/--expires "tomorrow" is neither/);
    await expect(keyAdd(ctx, { name: 'e', expires: '2020-01-01' })).rejects.toThrow(/in the past/);
    await expect(keyAdd(ctx, { name: 'r', rpm: 0 })).rejects.toThrow(/rpm/);
    await expect(keyAdd(ctx, { name: 'bad name' })).rejects.toThrow(/name/);
    await expect(keyAdd(ctx, { name: 'm', modelAllow: [] })).rejects.toThrow(/--model-allow needs at least one glob/);
    expect(await t.revision()).toBe(before);
  });

  it('list and show never print a raw key; show finds by name, id and prefix', async () => {
    const a = await add('team-a', { rpm: 60, budgetMonthly: 10 });
    const b = await add('team-b');
    const l = t.context({ now: NOW });
    await keyList(l.ctx, {});
    for (const col of ['name', 'id', 'prefix', 'status', 'models', 'limits', 'budgets', 'expires', 'created']) expect(l.out.stdout()).toContain(col);
    expect(l.out.stdout()).toContain('rpm 60');
    expect(l.out.stdout()).toContain('$10/month');
    const lj = t.context({ now: NOW });
    await keyList(lj.ctx, { json: true });
    expect((JSON.parse(lj.out.stdout()) as Array<{ name: string }>).map((k) => k.name)).toEqual(['team-a', 'team-b']);

    for (const ref of ['team-a', a.id, a.prefix]) {
      const s = t.context({ now: NOW });
      await keyShow(s.ctx, { ref, json: true });
      expect(JSON.parse(s.out.stdout())).toMatchObject({ name: 'team-a', id: a.id, state: 'active', hash: hashKey(a.key) });
    }
    const s = t.context({ now: NOW });
    await keyShow(s.ctx, { ref: 'team-b' });
    for (const text of [l.out.stdout(), lj.out.stdout(), s.out.stdout()]) {
      expect(text).not.toContain(a.key);
      expect(text).not.toContain(b.key);
    }
    await expect(keyShow(t.context().ctx, { ref: 'nope' })).rejects.toThrow(/no key matches "nope"/);
  });

  it('edit changes the flags given and clears limits with false (--no-…)', async () => {
    await add('team-a', { rpm: 60, tpm: 1000, budgetDaily: 1, expires: '1d', policy: 'priority' });
    const { ctx, registry } = t.context({ now: NOW });
    await keyEdit(ctx, { ref: 'team-a', rpm: false, budgetDaily: false, expires: false, policy: false, maxConcurrency: 4, modelAllow: ['*'], name: 'team-z' });
    const k = (await registry.findKey('team-z'))!;
    expect(k).toMatchObject({ tpm: 1000, max_concurrency: 4, models: ['*'] });
    expect(k.rpm).toBeUndefined();
    expect(k.budget_daily).toBeUndefined();
    expect(k.expires_at).toBeUndefined();
    expect(k.policy).toBeUndefined();
    expect(await registry.findKey('team-a')).toBeNull();
  });

  it('edit rejects no-op, unknown key, taken name and invalid values, writing nothing', async () => {
    await add('team-a');
    await add('team-b');
    const before = await t.revision();
    const { ctx } = t.context({ now: NOW });
    await expect(keyEdit(ctx, { ref: 'team-a' })).rejects.toThrow(/nothing to change/);
    await expect(keyEdit(ctx, { ref: 'nope', rpm: 1 })).rejects.toThrow(/no key matches/);
    await expect(keyEdit(ctx, { ref: 'team-a', name: 'team-b' })).rejects.toThrow(/"team-b" already exists/);
    await expect(keyEdit(ctx, { ref: 'team-a', tpm: -5 })).rejects.toThrow(/tpm/);
    await expect(keyEdit(ctx, { ref: 'team-a', providerAllow: ['ghost'] })).rejects.toThrow(/unknown provider/);
    expect(await t.revision()).toBe(before);
  });

  it('disable and enable flip the status; an expired key shows as expired', async () => {
    await add('team-a', { expires: '1h' });
    const { ctx, registry, out } = t.context({ now: NOW });
    await keyDisable(ctx, { ref: 'team-a' });
    expect((await registry.findKey('team-a'))!.status).toBe('disabled');
    await keyDisable(ctx, { ref: 'team-a' });
    expect(out.stdout()).toMatch(/key team-a disabled\nkey team-a is already disabled\n/);
    await keyEnable(ctx, { ref: 'team-a' });
    expect((await registry.findKey('team-a'))!.status).toBe('active');
    const later = t.context({ now: new Date(NOW.getTime() + 2 * 3_600_000) });
    await keyShow(later.ctx, { ref: 'team-a', json: true });
    expect(JSON.parse(later.out.stdout()).state).toBe('expired');
  });

  it('rotate issues a new secret with the same id and settings; the old one stops working', async () => {
    const a = await add('team-a', { rpm: 60 });
    const { ctx, out, registry } = t.context({ yes: true, now: NOW });
    await keyRotate(ctx, { ref: 'team-a', json: true });
    const r = JSON.parse(out.stdout()) as { key: string; id: string };
    expect(r.id).toBe(a.id);
    expect(r.key).not.toBe(a.key);
    expect(await registry.getKeyByRaw(a.key)).toBeNull();
    expect(await registry.getKeyByRaw(r.key)).toMatchObject({ name: 'team-a', rpm: 60 });
  });

  it('rotate and del need confirmation when nobody can be asked', async () => {
    await add('team-a');
    const before = await t.revision();
    const { ctx } = t.context();
    await expect(keyRotate(ctx, { ref: 'team-a' })).rejects.toMatchObject({ message: expect.stringMatching(/refusing to rotate key team-a without confirmation/), hint: 'pass --yes' });
    await expect(keyDel(ctx, { ref: 'team-a' })).rejects.toMatchObject({ message: expect.stringMatching(/refusing to delete key team-a without confirmation/), hint: 'pass --yes' });
    expect(await t.revision()).toBe(before);

    const asked = t.context({ interactive: true, asker: { confirm: async () => true } });
    await keyDel(asked.ctx, { ref: 'team-a' });
    expect(await asked.registry.listKeys()).toEqual([]);
    expect(asked.out.stdout()).toContain('key team-a deleted');
    await expect(keyDel(t.context({ yes: true }).ctx, { ref: 'team-a' })).rejects.toThrow(/no key matches/);
  });
});
