import { describe, expect, it } from 'vitest';
import { useGwctl } from '../test/harness.js';
import { EXIT } from './errors.js';

// The real commander program (exitOverride, parsers, exit codes) on the test Redis, no process.
describe('gwctl argv → handlers → exit codes', () => {
  const t = useGwctl();

  it('runs the issue walkthrough with flags only', async () => {
    const steps = [
      ['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1', '--api-key-env', 'OPENAI_API_KEY', '--models', 'gpt-4o-mini,gpt-4o'],
      ['provider', 'add', 'openrouter', '--base-url', 'https://openrouter.ai/api/v1', '--api-key', 'sk-or-0123456789abcdefghij', '--weight', '2'],
      ['model', 'bind', 'gpt-4o-mini', '--provider', 'openai'],
      ['model', 'bind', 'gpt-4o-mini', '--provider', 'openrouter', '--upstream-model', 'openai/gpt-4o-mini'],
      ['key', 'add', 'team-a', '--model-allow', 'gpt-4o*', '--rpm', '600', '--budget-monthly', '50'],
    ];
    for (const argv of steps) expect((await t.cli(argv)).code, argv.join(' ')).toBe(EXIT.ok);
    const show = await t.cli(['key', 'show', 'team-a', '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'team-a', models: ['gpt-4o*'], rpm: 600, budget_monthly: 50 });
    const list = await t.cli(['provider', 'list']);
    expect(list.stdout).toContain('openrouter');
    expect(list.stdout).not.toContain('sk-or-0123456789abcdefghij');
  });

  it('parses repeatable, comma-separated and header options', async () => {
    const r = await t.cli([
      'provider', 'add', 'p', '--base-url', 'https://example.com/v1',
      '--api-key', 'sk-aaaaaaaaaaaaaaaaaaaa', '--api-key', 'sk-bbbbbbbbbbbbbbbbbbbb', '--api-key-env', 'P_KEY',
      '--models', 'a,b', '--models', 'c', '--header', 'X-One: 1', '--header', 'X-Two: two: 2', '--priority', '-3',
    ]);
    expect(r.code).toBe(EXIT.ok);
    const p = (await t.context().registry.getProvider('p'))!;
    expect(p).toMatchObject({ secrets: ['sk-aaaaaaaaaaaaaaaaaaaa', 'sk-bbbbbbbbbbbbbbbbbbbb', 'env:P_KEY'], models: ['a', 'b', 'c'], headers: { 'X-One': '1', 'X-Two': 'two: 2' }, priority: -3 });
  });

  it('adds a Gemini provider as the help and README show it, and binds a Gemini model to it', async () => {
    const add = ['provider', 'add', 'gemini', '--type', 'gemini', '--base-url', 'https://generativelanguage.googleapis.com/v1beta', '--api-key-env', 'GEMINI_API_KEY'];
    const r = await t.cli(add);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain('provider gemini added: gemini https://generativelanguage.googleapis.com/v1beta, 1 secret(s), active');
    expect((await t.cli(['model', 'bind', 'flash', '--provider', 'gemini', '--upstream-model', 'gemini-2.5-flash'])).code).toBe(EXIT.ok);
    expect(await t.context().registry.getProvider('gemini')).toMatchObject({ type: 'gemini', auth_type: 'bearer', secrets: ['env:GEMINI_API_KEY'] });
    const help = await t.cli(['provider', 'add', '--help']);
    expect(help.stdout).toContain(add.slice(2).join(' '));
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/gemini \(Google's Gemini API: the key goes as x-goog-api-key/);
  });

  it('clears key limits with --no-… flags', async () => {
    expect((await t.cli(['key', 'add', 'k', '--rpm', '10', '--budget-daily', '2', '--expires', '7d'])).code).toBe(0);
    expect((await t.cli(['key', 'edit', 'k', '--no-rpm', '--no-budget-daily', '--no-expires', '--tpm', '500'])).code).toBe(0);
    const k = (await t.context().registry.findKey('k'))!;
    expect(k).toMatchObject({ tpm: 500 });
    expect([k.rpm, k.budget_daily, k.expires_at]).toEqual([undefined, undefined, undefined]);
  });

  it('accepts --yes before or after the command', async () => {
    await t.cli(['key', 'add', 'a']);
    await t.cli(['key', 'add', 'b']);
    expect((await t.cli(['--yes', 'key', 'del', 'a'])).code).toBe(0);
    expect((await t.cli(['key', 'del', 'b', '-y'])).code).toBe(0);
    expect(await t.context().registry.listKeys()).toEqual([]);
  });

  it('user errors: exit 1, one line on stderr, nothing written', async () => {
    await t.cli(['provider', 'add', 'p', '--base-url', 'https://example.com/v1']);
    const before = await t.revision();
    const cases: Array<[string[], RegExp]> = [
      [['provider', 'add', 'p', '--base-url', 'https://example.com/v1'], /already exists/],
      [['provider', 'add', 'q', '--base-url', 'example.com'], /base_url/],
      [['provider', 'add', 'q'], /missing --base-url/],
      [['model', 'bind', 'm', '--provider', 'ghost'], /unknown provider "ghost"/],
      [['key', 'add', 'k', '--key', 'short'], /at least 20 characters/],
      [['provider', 'del', 'p'], /--yes/],
      [['key', 'show', 'nobody'], /no key matches/],
    ];
    for (const [argv, msg] of cases) {
      const r = await t.cli(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.user);
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
    expect(await t.revision()).toBe(before);
  });

  it('usage errors: exit 2 (unknown command/option, missing argument, bad choice or number)', async () => {
    const cases = [
      ['frobnicate'],
      ['provider', 'add'],
      ['provider', 'list', '--bogus'],
      ['provider', 'add', 'p', '--base-url', 'https://example.com/v1', '--type', 'bedrock'],
      ['key', 'add', 'k', '--rpm', 'lots'],
      ['model', 'policy', 'm', 'random'],
      ['model', 'unbind', 'm'],
      [],
    ];
    for (const argv of cases) {
      const r = await t.cli(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.usage);
    }
    expect(await t.revision()).toBe(0);
  });

  it('help and --version exit 0', async () => {
    const h = await t.cli(['help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: gwctl/);
    for (const noun of ['provider', 'key', 'model', 'redis']) expect(h.stdout).toContain(noun);
    expect((await t.cli(['provider', '--help'])).stdout).toMatch(/add.*\n[\s\S]*models/);
    expect((await t.cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a bug exits 70 with a stack trace', async () => {
    let stderr = '';
    const { run } = await import('./run.js');
    const code = await run(['key', 'list'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      openContext: async () => {
        throw new TypeError('boom');
      },
    });
    expect(code).toBe(EXIT.bug);
    expect(stderr).toMatch(/bug[\s\S]*TypeError: boom\n\s+at /);
  });
});
