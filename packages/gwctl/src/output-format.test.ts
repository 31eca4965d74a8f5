import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../test/harness.js';
import { EXIT } from './errors.js';

const BOX = /[│─┌┐└┘├┤┬┴┼]/;
const SECRET = 'sk-format-secret-0123456789abcdef';

// `-o table|wide|json|yaml|name` on every list and show, through the real program.
describe('-o formats', () => {
  const t = useGwctl();

  async function seed() {
    const steps = [
      ['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1', '--api-key', SECRET, '--models', 'gpt-4o-mini,gpt-4o,o3,o4-mini'],
      ['provider', 'add', 'local', '--base-url', 'http://127.0.0.1:8000/v1', '--auth-type', 'none'],
      ['model', 'bind', 'gpt-4o-mini', '--provider', 'openai'],
      ['model', 'bind', 'gpt-4o-mini', '--provider', 'local', '--upstream-model', 'llama3:8b'],
      ['key', 'add', 'team-a', '--model-allow', 'gpt-4o*'],
      ['key', 'add', 'team-b'],
    ];
    for (const argv of steps) expect((await t.cli(argv)).code, argv.join(' ')).toBe(0);
  }

  /** Each command and the names `-o name` prints for it. */
  const CASES: Array<[string[], string[]]> = [
    [['provider', 'list'], ['local', 'openai']],
    [['provider', 'show', 'openai'], ['openai']],
    [['provider', 'status'], ['local', 'openai']],
    [['key', 'list'], ['team-a', 'team-b']],
    [['key', 'show', 'team-a'], ['team-a']],
    [['model', 'list'], ['gpt-4o-mini']],
    [['model', 'show', 'gpt-4o-mini'], ['gpt-4o-mini']],
    [['provider', 'models', 'openai'], ['gpt-4o-mini', 'gpt-4o', 'o3', 'o4-mini']],
  ];

  it('json = --json, yaml holds the same document, name one per line, table and wide plain on a pipe', async () => {
    await seed();
    for (const [argv, names] of CASES) {
      const what = argv.join(' ');
      const json = await t.cli([...argv, '-o', 'json']);
      expect(json.code, what).toBe(0);
      const legacy = await t.cli([...argv, '--json']);
      expect(legacy.stdout, what).toBe(json.stdout);
      const yaml = await t.cli([...argv, '-o', 'yaml']);
      expect(parseYaml(yaml.stdout), what).toEqual(JSON.parse(json.stdout));

      const name = await t.cli([...argv, '--output', 'name']);
      expect(name.stdout, what).toBe(names.map((n) => `${n}\n`).join(''));

      for (const f of ['table', 'wide']) {
        const r = await t.cli([...argv, '-o', f]);
        expect(r.code, `${what} -o ${f}`).toBe(0);
        expect(r.stdout, `${what} -o ${f}`).not.toMatch(BOX);
        for (const n of names) expect(r.stdout, `${what} -o ${f}`).toContain(n);
      }
      for (const r of [json, yaml, name]) expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });

  it('wide adds columns to lists: auth and masked secrets, every model, policy and prices', async () => {
    await seed();
    const p = await t.cli(['provider', 'list', '-o', 'wide']);
    expect(p.stdout.split('\n')[0]).toMatch(/^name +type +base_url +auth +secrets +models +weight +priority +timeout_ms +status +created$/);
    expect(p.stdout).toMatch(/openai .*bearer +sk-f…cdef +gpt-4o-mini, gpt-4o, o3, o4-mini/);
    expect((await t.cli(['provider', 'list'])).stdout).toMatch(/gpt-4o-mini, gpt-4o, o3 \(\+1\)/);
    expect((await t.cli(['key', 'list', '-o', 'wide'])).stdout.split('\n')[0]).toContain('policy');
    expect((await t.cli(['model', 'list', '-o', 'wide'])).stdout.split('\n')[0]).toContain('price_input');
  });

  it('a terminal gets boxed tables fitted to its width; COLUMNS fits a pipe too; wide never cuts', async () => {
    await seed();
    const boxed = await t.cli(['provider', 'list'], { tty: { columns: 60 } });
    expect(boxed.stdout).toMatch(BOX);
    for (const l of boxed.stdout.trimEnd().split('\n')) expect([...l].length, l).toBeLessThanOrEqual(60);
    expect(boxed.stdout).toContain('…');

    const piped = await t.cli(['key', 'list'], { env: { COLUMNS: '50' } });
    expect(piped.stdout).not.toMatch(BOX);
    for (const l of piped.stdout.trimEnd().split('\n')) expect([...l].length, l).toBeLessThanOrEqual(50);

    const wide = await t.cli(['provider', 'list', '-o', 'wide'], { tty: { columns: 60 } });
    expect(wide.stdout).toMatch(/│ https:\/\/api\.openai\.com\/v1 +│ bearer +│ sk-f…cdef +│ gpt-4o-mini, gpt-4o, o3, o4-mini +│/);
    const show = await t.cli(['provider', 'show', 'openai'], { tty: { columns: 40 } });
    for (const l of show.stdout.trimEnd().split('\n')) expect([...l].length, l).toBeLessThanOrEqual(40);
  });

  it('an empty list says so on stderr, leaving stdout empty for scripts', async () => {
    for (const argv of [['provider', 'list'], ['key', 'list'], ['model', 'list']]) {
      const r = await t.cli(argv);
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect(r.stderr).toMatch(/^no \w+ yet/);
      expect((await t.cli([...argv, '-o', 'json'])).stdout).toBe('[]\n');
    }
  });

  it('an unknown format, or --json with another -o, is a usage error (exit 2)', async () => {
    await seed();
    const bad = await t.cli(['provider', 'list', '-o', 'xml']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/^error: option '-o, --output <format>' argument 'xml' is invalid\. Allowed choices are table, wide, json, yaml, name\.\nhint: see 'gwctl provider list --help'\n$/);
    const both = await t.cli(['key', 'show', 'team-a', '--json', '-o', 'yaml']);
    expect(both).toMatchObject({ code: EXIT.usage, stdout: '', stderr: 'error: --json and -o yaml ask for two formats\nhint: pass one of them\n' });
    // Reports take the formats that make sense for them.
    expect((await t.cli(['redis', 'ping', '-o', 'name'])).code).toBe(EXIT.usage);
    expect(parseYaml((await t.cli(['redis', 'ping', '-o', 'yaml'])).stdout)).toMatchObject({ reachable: true, providers: 2 });
    // model price has its own --output (a price): -o is --output-format there.
    expect(JSON.parse((await t.cli(['model', 'price', 'gpt-4o-mini', '-o', 'json'])).stdout)).toMatchObject({ name: 'gpt-4o-mini' });
  });
});
