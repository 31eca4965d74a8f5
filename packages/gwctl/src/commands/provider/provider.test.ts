import { describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { providerAdd } from './add.js';
import { providerDel } from './del.js';
import { providerEdit, secretsAfterRemoval } from './edit.js';
import { providerList } from './list.js';
import { providerShow } from './show.js';
import { providerModels } from './models.js';

const LITERAL = 'sk-live-0123456789abcdefghijklmnop';

describe('provider handlers', () => {
  const t = useGwctl();

  async function seed() {
    const { ctx } = t.context();
    await providerAdd(ctx, { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: ['OPENAI_API_KEY'], models: ['gpt-4o-mini', 'gpt-4o'] });
    await providerAdd(ctx, { name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1', apiKey: [LITERAL], weight: 2, header: [['X-Title', 'gw'], ['X-Api-Key', 'hdr-secret-0123456789']] });
  }

  it('add stores every flag as a provider record', async () => {
    const { ctx, out, registry } = t.context();
    await providerAdd(ctx, {
      name: 'azure',
      baseUrl: 'https://x.openai.azure.com/openai/v1',
      authHeader: 'api-key',
      apiKey: [LITERAL],
      apiKeyEnv: ['AZURE_KEY_2'],
      models: ['gpt-4o', 'gpt-4o'],
      weight: 3,
      priority: -1,
      timeoutMs: 30_000,
      connectTimeoutMs: 2000,
      firstByteTimeoutMs: 10_000,
      idleTimeoutMs: 5000,
      header: [['X-Trace', 'on']],
      disabled: true,
    });
    const p = await registry.getProvider('azure');
    expect(p).toMatchObject({
      auth_type: 'header',
      auth_header: 'api-key',
      secrets: [LITERAL, 'env:AZURE_KEY_2'],
      models: ['gpt-4o'],
      weight: 3,
      priority: -1,
      timeout_ms: 30_000,
      connect_timeout_ms: 2000,
      first_byte_timeout_ms: 10_000,
      idle_timeout_ms: 5000,
      headers: { 'X-Trace': 'on' },
      status: 'disabled',
    });
    expect(out.stdout()).toContain('provider azure added');
    expect(out.stdout()).not.toContain(LITERAL);
  });

  it('add refuses a duplicate, an invalid URL, an unknown auth setup, and writes nothing', async () => {
    await seed();
    const before = await t.revision();
    const { ctx } = t.context();
    await expect(providerAdd(ctx, { name: 'openai', baseUrl: 'https://example.com/v1' })).rejects.toThrow(/already exists/);
    await expect(providerAdd(ctx, { name: 'bad', baseUrl: 'not a url' })).rejects.toThrow(/base_url/);
    await expect(providerAdd(ctx, { name: 'ftp', baseUrl: 'ftp://example.com/v1' })).rejects.toThrow(/http\(s\)/);
    await expect(providerAdd(ctx, { name: 'bad name!', baseUrl: 'https://example.com/v1' })).rejects.toThrow(/name/);
    await expect(providerAdd(ctx, { name: 'h', baseUrl: 'https://example.com/v1', authType: 'header' })).rejects.toThrow(/auth_header/);
    await expect(providerAdd(ctx, { name: 'w', baseUrl: 'https://example.com/v1', weight: 0 })).rejects.toThrow(/weight/);
    expect(await t.revision()).toBe(before);
  });

  it('add without --base-url fails naming the flag when nobody can be asked, and asks when someone can', async () => {
    const { ctx } = t.context();
    await expect(providerAdd(ctx, { name: 'x' })).rejects.toThrow(/missing --base-url/);
    expect(await t.revision()).toBe(0);

    const asked: string[] = [];
    const i = t.context({
      interactive: true,
      asker: {
        input: async (q) => (asked.push(q.message), 'http://127.0.0.1:8000/v1'),
        password: async () => 'env:LOCAL_KEY',
      },
    });
    await providerAdd(i.ctx, { name: 'x' });
    expect(asked).toHaveLength(1);
    expect(await i.registry.getProvider('x')).toMatchObject({ base_url: 'http://127.0.0.1:8000/v1', secrets: ['env:LOCAL_KEY'] });
  });

  it('add warns when a provider that needs a secret has none', async () => {
    const { ctx, out } = t.context();
    await providerAdd(ctx, { name: 'nokey', baseUrl: 'https://example.com/v1' });
    expect(out.stderr()).toMatch(/warning: provider nokey has no secret/);
    const n = t.context();
    await providerAdd(n.ctx, { name: 'open', baseUrl: 'http://127.0.0.1:8000/v1', authType: 'none' });
    expect(n.out.stderr()).toBe('');
  });

  it('list and show mask secrets, in tables and in --json', async () => {
    await seed();
    for (const json of [false, true]) {
      const l = t.context();
      await providerList(l.ctx, { json });
      const s = t.context();
      await providerShow(s.ctx, { name: 'openrouter', json });
      for (const text of [l.out.stdout(), s.out.stdout()]) {
        expect(text).toContain('openrouter');
        expect(text).not.toContain(LITERAL);
        expect(text).not.toContain('hdr-secret-0123456789');
      }
      expect(s.out.stdout()).toContain('sk-l…mnop');
    }
    const j = t.context();
    await providerList(j.ctx, { json: true });
    const list = JSON.parse(j.out.stdout()) as Array<{ name: string; secrets: string[]; headers: Record<string, string> }>;
    expect(list.map((p) => p.name)).toEqual(['openai', 'openrouter']);
    expect(list[0]!.secrets).toEqual(['env:OPENAI_API_KEY']);
    expect(list[1]!.headers).toEqual({ 'X-Title': 'gw', 'X-Api-Key': 'hdr-…6789' });
  });

  it('list prints a table with the documented columns', async () => {
    await seed();
    const { ctx, out } = t.context();
    await providerList(ctx, {});
    const text = out.stdout();
    for (const col of ['name', 'type', 'base_url', 'secrets', 'models', 'weight', 'priority', 'status']) expect(text).toContain(col);
    expect(text).toContain('gpt-4o-mini, gpt-4o');
  });

  it('show of an unknown provider is a user error', async () => {
    const { ctx } = t.context();
    await expect(providerShow(ctx, { name: 'nope' })).rejects.toThrow(/provider "nope" does not exist/);
  });

  it('edit changes only the flags given, adds and removes secrets and headers, enables and disables', async () => {
    await seed();
    const { ctx, registry } = t.context();
    await providerEdit(ctx, { name: 'openrouter', addApiKey: ['env:OR_KEY_2'], weight: 5, disable: true, header: [['X-Title', 'gw2']], removeHeader: ['x-api-key'], idleTimeoutMs: 1000 });
    let p = (await registry.getProvider('openrouter'))!;
    expect(p).toMatchObject({ secrets: [LITERAL, 'env:OR_KEY_2'], weight: 5, status: 'disabled', headers: { 'X-Title': 'gw2' }, idle_timeout_ms: 1000 });
    expect(p.base_url).toBe('https://openrouter.ai/api/v1');

    await providerEdit(ctx, { name: 'openrouter', removeApiKey: ['sk-l…mnop'], enable: true, idleTimeoutMs: false });
    p = (await registry.getProvider('openrouter'))!;
    expect(p).toMatchObject({ secrets: ['env:OR_KEY_2'], status: 'active' });
    expect(p.idle_timeout_ms).toBeUndefined();

    await providerEdit(ctx, { name: 'openrouter', apiKey: ['sk-new-aaaaaaaaaaaaaaaaaaaa'], removeApiKey: ['#1'], addApiKey: ['env:X'] });
    expect((await registry.getProvider('openrouter'))!.secrets).toEqual(['env:X']);
  });

  it('edit rejects no-op, unknown provider, bad values and unknown secret refs, writing nothing', async () => {
    await seed();
    const before = await t.revision();
    const { ctx } = t.context();
    await expect(providerEdit(ctx, { name: 'openai' })).rejects.toThrow(/nothing to change/);
    await expect(providerEdit(ctx, { name: 'nope', weight: 2 })).rejects.toThrow(/does not exist/);
    await expect(providerEdit(ctx, { name: 'openai', baseUrl: 'nope' })).rejects.toThrow(/base_url/);
    await expect(providerEdit(ctx, { name: 'openai', removeApiKey: ['#7'] })).rejects.toThrow(/matches no secret/);
    await expect(providerEdit(ctx, { name: 'openai', removeHeader: ['X-Nope'] })).rejects.toThrow(/no such header/);
    await expect(providerEdit(ctx, { name: 'openai', enable: true, disable: true })).rejects.toThrow(/exclude/);
    expect(await t.revision()).toBe(before);
  });

  it('secretsAfterRemoval matches by number, masked form, env ref or literal, and never echoes a literal', () => {
    const s = ['env:A', LITERAL, 'sk-other-zzzzzzzzzzzzzzzz'];
    expect(secretsAfterRemoval(s, ['1'])).toEqual(s.slice(1));
    expect(secretsAfterRemoval(s, ['#2', 'env:A'])).toEqual([s[2]]);
    expect(secretsAfterRemoval(s, ['sk-l...mnop'])).toEqual(['env:A', s[2]]);
    expect(secretsAfterRemoval(s, [LITERAL])).toEqual(['env:A', s[2]]);
    expect(() => secretsAfterRemoval(s, ['sk-not-there-000000000000'])).toThrow(/^--remove-api-key sk-n…0000 matches no secret/);
  });

  it('del refuses while a model is bound, deletes with --purge (unbinding, dropping emptied models)', async () => {
    await seed();
    const { ctx, registry, out } = t.context({ yes: true });
    await registry.bindModel('gpt-4o-mini', { provider: 'openai' });
    await registry.bindModel('gpt-4o-mini', { provider: 'openrouter', model: 'openai/gpt-4o-mini' });
    await registry.bindModel('gpt-4o', { provider: 'openai' });
    const before = await t.revision();
    await expect(providerDel(ctx, { name: 'openai' })).rejects.toThrow(/bound to 2 model\(s\): gpt-4o, gpt-4o-mini; .*--purge/);
    expect(await t.revision()).toBe(before);

    await providerDel(ctx, { name: 'openai', purge: true });
    expect(await registry.getProvider('openai')).toBeNull();
    expect(await registry.getModel('gpt-4o')).toBeNull();
    expect((await registry.getModel('gpt-4o-mini'))!.targets).toEqual([expect.objectContaining({ provider: 'openrouter' })]);
    expect(out.stdout()).toMatch(/deleted model\(s\) left without target: gpt-4o/);
  });

  it('del needs confirmation: refused without --yes when nobody can be asked, asked otherwise', async () => {
    await seed();
    const { ctx } = t.context();
    await expect(providerDel(ctx, { name: 'openai' })).rejects.toMatchObject({ message: expect.stringMatching(/refusing to delete provider openai without confirmation/), hint: 'pass --yes' });
    expect(await t.context().registry.getProvider('openai')).not.toBeNull();

    const no = t.context({ interactive: true, asker: { confirm: async () => false } });
    await expect(providerDel(no.ctx, { name: 'openai' })).rejects.toThrow(/cancelled/);
    const yes = t.context({ interactive: true, asker: { confirm: async () => true } });
    await providerDel(yes.ctx, { name: 'openai' });
    expect(await yes.registry.getProvider('openai')).toBeNull();
    await expect(providerDel(yes.ctx, { name: 'openai' })).rejects.toThrow(/does not exist/);
  });

  it('models without --remote prints the stored list; --bind binds each name', async () => {
    await seed();
    const { ctx, out, registry } = t.context();
    await providerModels(ctx, { name: 'openai' });
    expect(out.stdout()).toBe('gpt-4o-mini\ngpt-4o\n');
    const b = t.context();
    await providerModels(b.ctx, { name: 'openai', bind: true, json: true });
    expect(JSON.parse(b.out.stdout())).toMatchObject({ source: 'registry', models: ['gpt-4o-mini', 'gpt-4o'], bound: ['gpt-4o-mini', 'gpt-4o'] });
    expect((await registry.getModel('gpt-4o'))!.targets).toEqual([expect.objectContaining({ provider: 'openai', model: 'gpt-4o' })]);
  });
});
