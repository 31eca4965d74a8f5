import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashKey } from '@llmgw/core';
import { parse } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gwctl-declarative-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

const LITERAL = 'sk-literal-upstream-secret-0001';
const HEADER_SECRET = 'header-secret-value-0001';

describe('gwctl export, diff, apply', () => {
  const t = useGwctl();
  let raw = '';

  beforeEach(async () => {
    const { registry } = t.context();
    await registry.addProvider({ name: 'openai', base_url: 'https://api.openai.com/v1', secrets: ['env:OPENAI_API_KEY'] });
    await registry.addProvider({ name: 'lit', base_url: 'http://127.0.0.1:9/v1', secrets: [LITERAL], headers: { 'x-api-key': HEADER_SECRET } });
    await registry.bindModel('gpt-4o-mini', { provider: 'openai', model: 'gpt-4o-mini' });
    await registry.bindModel('gpt-4o-mini', { provider: 'lit', model: 'openai/gpt-4o-mini', weight: 2 });
    await registry.putModel({ name: 'fast', alias_of: 'gpt-4o-mini' });
    raw = (await registry.createKey({ name: 'team-a', models: ['gpt-4o*'], rpm: 60 })).raw;
  });

  it('export writes one YAML document without a literal secret, a raw key or its hash', async () => {
    const r = await t.cli(['export']);
    expect(r.code).toBe(0);
    for (const secret of [LITERAL, HEADER_SECRET, raw, hashKey(raw)]) expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout).toMatch(/^# The gateway's registry, written by gwctl export/);
    const doc = parse(r.stdout);
    expect(doc.providers.lit.secrets).toEqual(['env:LIT_API_KEY']);
    expect(doc.providers.lit.literal_secrets['env:LIT_API_KEY']).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(doc.models['gpt-4o-mini'].targets).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini' },
      { provider: 'lit', model: 'openai/gpt-4o-mini', weight: 2 },
    ]);
    expect(doc.keys['team-a']).toEqual({ id: expect.stringMatching(/^key_/), models: ['gpt-4o*'], rpm: 60 });
    expect(r.stderr).toContain('warning: provider lit: a literal secret is exported as the placeholder env:LIT_API_KEY');

    const json = await t.cli(['export', '-o', 'json', '-f', path.join(dir, 'reg.json')]);
    expect(json.code).toBe(0);
    expect(json.stdout).toBe('');
    expect(json.stderr).toContain('wrote');
    expect(JSON.parse(readFileSync(path.join(dir, 'reg.json'), 'utf8'))).toEqual(doc);
  });

  it('export → diff says nothing with exit 0, and apply writes nothing', async () => {
    const exported = file('same.yaml', (await t.cli(['export'])).stdout);
    const rev = await t.revision();
    const d = await t.cli(['diff', '-f', exported, '--prune']);
    expect(d).toMatchObject({ code: 0, stdout: '' });
    expect(d.stderr).toContain('no differences');
    const a = await t.cli(['apply', '-f', exported, '--prune']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('no changes');
    expect(await t.revision()).toBe(rev);
  });

  it('diff prints field changes with exit 1; apply makes them with one revision bump', async () => {
    const doc = parse((await t.cli(['export'])).stdout);
    doc.providers.openai.weight = 4;
    doc.models['gpt-4o'] = { targets: [{ provider: 'openai', model: 'gpt-4o' }], price_input: 2.5 };
    doc.keys['team-a'].rpm = 120;
    delete doc.models.fast;
    const changed = file('changed.json', JSON.stringify(doc));
    const d = await t.cli(['diff', '-f', changed, '--prune']);
    expect(d.code).toBe(1);
    expect(d.stdout).toBe(
      [
        '~ provider/openai',
        '    weight: 1 → 4',
        '+ model/gpt-4o',
        '    targets: [{"provider":"openai","model":"gpt-4o","weight":1,"priority":0}]',
        '    price_input: 2.5',
        '- model/fast',
        '~ key/team-a',
        '    rpm: 60 → 120',
        '1 to create, 2 to update, 1 to delete',
        '',
      ].join('\n'),
    );
    // without --prune, fast stays
    expect((await t.cli(['diff', '-f', changed])).stdout).not.toContain('model/fast');

    const rev = await t.revision();
    const a = await t.cli(['apply', '-f', changed, '--prune', '--dry-run']);
    expect(a.stdout).toContain('dry run: would create 1, update 2, delete 1; nothing was written');
    expect(await t.revision()).toBe(rev);
    // A deletion is destructive: without a terminal to ask on, it needs --yes.
    const refused = await t.cli(['apply', '-f', changed, '--prune']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: refusing to delete 1 entity (model/fast) without confirmation (no terminal to ask on); pass --yes\n');
    expect(await t.revision()).toBe(rev);
    const applied = await t.cli(['apply', '-f', changed, '--prune', '--yes', '-o', 'json']);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ dry_run: false, revision: rev + 1 });
    expect(await t.revision()).toBe(rev + 1);
    expect((await t.cli(['diff', '-f', changed, '--prune'])).code).toBe(0);
    expect(parse((await t.cli(['diff', '-f', changed, '-o', 'yaml'])).stdout)).toEqual({ changes: [], warnings: [] });
  });

  it('a broken file changes nothing and names file:line:col and field of every problem', async () => {
    const rev = await t.revision();
    const bad = file(
      'bad.yaml',
      `version: 1
providers:
  openai:
    base_url: https://api.openai.com/v1
    wieght: 2
    timeout_ms: -5
models:
  gpt-4o:
    targets:
      - provider: nope
        model: gpt-4o
keys:
  ci:
    models: ["*"]
`,
    );
    const r = await t.cli(['apply', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      `${bad}:5:5: providers.openai.wieght: unknown field; did you mean weight?`,
      `${bad}:6:5: providers.openai.timeout_ms: Too small: expected number to be >0`,
      `${bad}:13:3: keys.ci: no key named ci in the registry: to create it, give its raw key as key: env:NAME (read from the environment of gwctl), or create it with gwctl key add ci and apply again`,
      `${bad}:10:9: models.gpt-4o.targets[0].provider: no provider nope in the document nor in the registry`,
      `error: ${bad}: 4 problems (listed above); nothing was written`,
      '',
    ]);
    expect(await t.revision()).toBe(rev);
    expect(await t.context().registry.getModel('gpt-4o')).toBeNull();
    // diff of a broken file is trouble: exit 2
    expect((await t.cli(['diff', '-f', bad])).code).toBe(2);
  });

  it('YAML syntax errors and duplicate names point at their line; a missing file is a user error', async () => {
    const dup = file('dup.yaml', 'providers:\n  a:\n    base_url: http://h/v1\n  a:\n    base_url: http://h/v1\n');
    expect((await t.cli(['apply', '-f', dup])).stderr).toMatch(new RegExp(`^error: ${dup}:4:3: Map keys must be unique`));
    const syntax = file('syntax.yaml', 'providers:\n  a: [1, 2\n');
    expect((await t.cli(['apply', '-f', syntax])).stderr).toMatch(new RegExp(`^error: ${syntax}:\\d+:\\d+: `));
    const missing = await t.cli(['diff', '-f', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read .*nope\.yaml/);
  });

  it('--prune deletes only in the sections the file has, and refuses to leave a model without its provider', async () => {
    const onlyProviders = file('providers-only.yaml', 'providers:\n  openai:\n    base_url: https://api.openai.com/v1\n    secrets: [env:OPENAI_API_KEY]\n');
    const r = await t.cli(['apply', '-f', onlyProviders, '--prune']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${onlyProviders}:1:1: providers: --prune deletes provider lit, but model gpt-4o-mini, which the document does not name, routes to it`);

    const doc = parse((await t.cli(['export'])).stdout);
    delete doc.providers.lit;
    doc.models['gpt-4o-mini'].targets = [{ provider: 'openai', model: 'gpt-4o-mini' }];
    delete doc.keys;
    const ok = await t.cli(['apply', '-f', file('no-keys.json', JSON.stringify(doc)), '--prune', '--yes']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('- provider/lit');
    const { registry } = t.context();
    expect((await registry.listProviders()).map((p) => p.name)).toEqual(['openai']);
    expect((await registry.listKeys()).map((k) => k.name)).toEqual(['team-a']);
  });

  it('creates a key from key: env:NAME, read from the environment of gwctl, never printing it', async () => {
    const f = file('new-key.yaml', 'keys:\n  ci:\n    key: env:CI_KEY\n    models: [gpt-4o-mini]\n    budget_daily: 5\n');
    const secret = 'ci-raw-key-from-the-environment-01';
    const r = await t.cli(['apply', '-f', f], { env: { CI_KEY: secret } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ key/ci\n    key: ci-raw-key… (from env:CI_KEY)\n');
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect((await t.context().registry.getKeyByRaw(secret))?.budget_daily).toBe(5);
  });
});
