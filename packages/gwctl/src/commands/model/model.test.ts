import { describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { providerAdd } from '../provider/add.js';
import { modelAlias } from './alias.js';
import { modelBind } from './bind.js';
import { modelDel } from './del.js';
import { modelList } from './list.js';
import { modelPolicy } from './policy.js';
import { modelShow } from './show.js';
import { modelTimeout } from './timeout.js';
import { modelUnbind } from './unbind.js';

describe('model handlers', () => {
  const t = useGwctl();

  async function seed() {
    const { ctx } = t.context();
    await providerAdd(ctx, { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: ['OPENAI_API_KEY'] });
    await providerAdd(ctx, { name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: ['OR_KEY'] });
  }

  it('bind creates the model, adds targets, and re-binding updates weight and priority', async () => {
    await seed();
    const { ctx, out, registry } = t.context();
    await modelBind(ctx, { name: 'gpt-4o-mini', provider: 'openai' });
    await modelBind(ctx, { name: 'gpt-4o-mini', provider: 'openrouter', upstreamModel: 'openai/gpt-4o-mini', weight: 2, priority: 1, policy: 'weighted' });
    await modelBind(ctx, { name: 'gpt-4o-mini', provider: 'openai', weight: 3 });
    const m = (await registry.getModel('gpt-4o-mini'))!;
    expect(m.policy).toBe('weighted');
    expect(m.targets).toEqual([
      { provider: 'openrouter', model: 'openai/gpt-4o-mini', weight: 2, priority: 1 },
      { provider: 'openai', model: 'gpt-4o-mini', weight: 3, priority: 0 },
    ]);
    expect(out.stdout()).toContain('model gpt-4o-mini → openrouter→openai/gpt-4o-mini (w2,p1); 2 target(s), policy weighted');
  });

  it('bind to an unknown provider or with bad values is a user error that writes nothing', async () => {
    await seed();
    const before = await t.revision();
    const { ctx } = t.context();
    await expect(modelBind(ctx, { name: 'gpt-4o', provider: 'nope' })).rejects.toThrow(/unknown provider "nope"/);
    await expect(modelBind(ctx, { name: 'gpt-4o', provider: 'openai', weight: -1 })).rejects.toThrow(/weight/);
    await expect(modelBind(ctx, { name: ' bad', provider: 'openai' })).rejects.toThrow(/name/);
    await expect(modelBind(ctx, { name: 'gpt-4o' })).rejects.toThrow(/missing --provider/);
    expect(await t.revision()).toBe(before);
  });

  it('bind asks for the provider when a person is there', async () => {
    await seed();
    let offered: readonly string[] = [];
    const { ctx, registry } = t.context({ interactive: true, asker: { select: async (q) => ((offered = q.choices), 'openrouter') } });
    await modelBind(ctx, { name: 'gpt-4o' });
    expect(offered).toEqual(['openai', 'openrouter']);
    expect((await registry.getModel('gpt-4o'))!.targets[0]!.provider).toBe('openrouter');
  });

  it('bind warns when the provider is disabled', async () => {
    await seed();
    await t.context().registry.updateProvider('openai', () => ({ status: 'disabled' }));
    const { ctx, out } = t.context();
    await modelBind(ctx, { name: 'gpt-4o', provider: 'openai' });
    expect(out.stderr()).toMatch(/warning: provider openai is disabled/);
  });

  it('unbind removes targets and deletes the model when none remain', async () => {
    await seed();
    const { ctx, out, registry } = t.context();
    await modelBind(ctx, { name: 'm', provider: 'openai' });
    await modelBind(ctx, { name: 'm', provider: 'openai', upstreamModel: 'm-2' });
    await modelBind(ctx, { name: 'm', provider: 'openrouter' });
    await modelUnbind(ctx, { name: 'm', provider: 'openai', upstreamModel: 'm-2' });
    expect((await registry.getModel('m'))!.targets.map((x) => x.model)).toEqual(['m', 'm']);
    await modelUnbind(ctx, { name: 'm', provider: 'openai' });
    expect(out.stdout()).toContain('1 target(s) left');
    await modelUnbind(ctx, { name: 'm', provider: 'openrouter' });
    expect(out.stdout()).toContain('it had no other target and was deleted');
    expect(await registry.getModel('m')).toBeNull();
  });

  it('unbind of an unknown model or provider target is a user error', async () => {
    await seed();
    const { ctx } = t.context();
    await modelBind(ctx, { name: 'm', provider: 'openai' });
    const before = await t.revision();
    await expect(modelUnbind(ctx, { name: 'nope', provider: 'openai' })).rejects.toThrow(/model "nope" does not exist/);
    await expect(modelUnbind(ctx, { name: 'm', provider: 'openrouter' })).rejects.toThrow(/no target on provider "openrouter"/);
    expect(await t.revision()).toBe(before);
  });

  it('list shows provider→model(w,p) targets and aliases; show and --json', async () => {
    await seed();
    const { ctx } = t.context();
    await modelBind(ctx, { name: 'gpt-4o', provider: 'openai', weight: 2 });
    await modelBind(ctx, { name: 'gpt-4o', provider: 'openrouter', upstreamModel: 'openai/gpt-4o', priority: 1 });
    await modelAlias(ctx, { alias: 'gpt-4o-latest', target: 'gpt-4o' });

    const l = t.context();
    await modelList(l.ctx, {});
    expect(l.out.stdout()).toContain('openai→gpt-4o (w2,p0)');
    expect(l.out.stdout()).toContain('openrouter→openai/gpt-4o (w1,p1)');
    // A pipe: one line per model, several targets joined; the alias row ends with its target.
    expect(l.out.stdout()).toContain('openai→gpt-4o (w2,p0), openrouter→openai/gpt-4o (w1,p1)');
    expect(l.out.stdout()).toMatch(/^gpt-4o-latest +- +- +gpt-4o$/m);
    const lj = t.context();
    await modelList(lj.ctx, { json: true });
    expect(JSON.parse(lj.out.stdout())).toEqual([
      expect.objectContaining({ name: 'gpt-4o', policy: 'round-robin' }),
      expect.objectContaining({ name: 'gpt-4o-latest', alias_of: 'gpt-4o', targets: [] }),
    ]);
    const s = t.context();
    await modelShow(s.ctx, { name: 'gpt-4o', json: true });
    expect(JSON.parse(s.out.stdout())).toMatchObject({ name: 'gpt-4o', aliases: ['gpt-4o-latest'] });
    await expect(modelShow(t.context().ctx, { name: 'nope' })).rejects.toThrow(/does not exist/);
  });

  it('alias refuses a missing target, an alias of an alias, and overwriting a real model', async () => {
    await seed();
    const { ctx, registry } = t.context();
    await modelBind(ctx, { name: 'a', provider: 'openai' });
    await modelBind(ctx, { name: 'b', provider: 'openai' });
    await modelAlias(ctx, { alias: 'x', target: 'a' });
    const before = await t.revision();
    await expect(modelAlias(ctx, { alias: 'y', target: 'nope' })).rejects.toThrow(/does not exist/);
    await expect(modelAlias(ctx, { alias: 'y', target: 'x' })).rejects.toThrow(/itself an alias/);
    await expect(modelAlias(ctx, { alias: 'b', target: 'a' })).rejects.toThrow(/unbind them before/);
    await expect(modelBind(ctx, { name: 'x', provider: 'openai' })).rejects.toThrow(/alias/);
    expect(await t.revision()).toBe(before);
    await modelAlias(ctx, { alias: 'x', target: 'b' });
    expect((await registry.resolveModel('x'))!.name).toBe('b');
  });

  it('policy sets the routing policy; not on an alias', async () => {
    await seed();
    const { ctx, registry } = t.context();
    await modelBind(ctx, { name: 'a', provider: 'openai' });
    await modelAlias(ctx, { alias: 'x', target: 'a' });
    await modelPolicy(ctx, { name: 'a', policy: 'least-busy' });
    expect((await registry.getModel('a'))!.policy).toBe('least-busy');
    await expect(modelPolicy(ctx, { name: 'x', policy: 'latency' })).rejects.toThrow(/is an alias/);
    await expect(modelPolicy(ctx, { name: 'nope', policy: 'latency' })).rejects.toThrow(/does not exist/);
  });

  it('del refuses while aliases point at it and without confirmation', async () => {
    await seed();
    const { ctx, registry } = t.context({ yes: true });
    await modelBind(ctx, { name: 'a', provider: 'openai' });
    await modelAlias(ctx, { alias: 'x', target: 'a' });
    await expect(modelDel(ctx, { name: 'a' })).rejects.toThrow(/has aliases \(x\)/);
    await expect(modelDel(t.context().ctx, { name: 'x' })).rejects.toThrow(/refusing to delete model x without confirmation/);
    await modelDel(ctx, { name: 'x' });
    await modelDel(ctx, { name: 'a' });
    expect(await registry.listModels()).toEqual([]);
  });

  it('timeout sets, shows and removes the model\'s first-byte and idle timeouts; refuses aliases and non-positive values', async () => {
    await seed();
    const { ctx, out, registry } = t.context();
    await modelBind(ctx, { name: 'o3', provider: 'openai' });
    await modelTimeout(ctx, { name: 'o3', firstByteTimeoutMs: 600_000, idleTimeoutMs: 300_000 });
    expect(await registry.getModel('o3')).toMatchObject({ first_byte_timeout_ms: 600_000, idle_timeout_ms: 300_000 });
    expect(out.stdout()).toContain('model o3: first byte 600000 ms, idle stream 300000 ms');
    await modelTimeout(ctx, { name: 'o3', idleTimeoutMs: false });
    expect((await registry.getModel('o3'))!.idle_timeout_ms).toBeUndefined();
    expect(out.stdout()).toContain("model o3: first byte 600000 ms, idle stream the provider's, else the gateway default");
    const before = await t.revision();
    await expect(modelTimeout(ctx, { name: 'o3', firstByteTimeoutMs: 0 })).rejects.toThrow(/--first-byte-timeout-ms must be a positive/);
    await modelAlias(ctx, { alias: 'reasoner', target: 'o3' });
    await expect(modelTimeout(ctx, { name: 'reasoner', idleTimeoutMs: 1 })).rejects.toThrow(/alias of "o3"/);
    expect(await t.revision()).toBe(before + 1); // only the alias was written
  });

  it('timeout through the command line: flags, --no-… and --json; show lists the timeouts', async () => {
    await seed();
    await modelBind(t.context().ctx, { name: 'o3', provider: 'openai' });
    let r = await t.cli(['model', 'timeout', 'o3', '--first-byte-timeout-ms', '90000', '--idle-timeout-ms', '60000']);
    expect(r.code).toBe(0);
    r = await t.cli(['model', 'timeout', 'o3', '--no-first-byte-timeout-ms', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'o3', idle_timeout_ms: 60000 });
    r = await t.cli(['model', 'show', 'o3']);
    expect(r.stdout).toMatch(/idle_timeout_ms\W+60000/);
    expect(r.stdout).toMatch(/first_byte_timeout_ms\W+-/);
    r = await t.cli(['model', 'timeout', 'o3', '--idle-timeout-ms', 'soon']);
    expect(r.code).toBe(2);
  });
});
