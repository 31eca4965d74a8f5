// The built gwctl in a real terminal (a pseudo-terminal made by `script`) and in a pipe:
// prompts for missing values only at a terminal, secrets asked without echo, boxed tables
// fitted to the width at a terminal and plain columns in a pipe.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, gwctl } from '../../../tests/support/cli.js';
import { haveTerminal, runInTerminal } from '../../../tests/support/terminal.js';
import { useGwctl } from '../test/harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BOX = /[│─┌┐└┘├┤┬┴┼]/;
const UPSTREAM_SECRET = 'sk-typed-at-a-prompt-0123456789';
const GATEWAY_KEY = 'gw-imported-at-a-prompt-0123456789';

describe('gwctl at a terminal and in a pipe', () => {
  const t = useGwctl();
  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', REDIS_URL: t.url, ...extra });
  const at = (command: string, answers: Array<[RegExp, string]> = [], extra: Record<string, string> = {}) => runInTerminal(command, { cwd: ROOT, env: env(extra), answers });

  beforeAll(() => {
    ensureBuilt();
    expect(haveTerminal(), 'util-linux `script` makes the terminal').toBe(true);
  }, 120_000);

  it('asks for a missing argument or required option at a terminal; a pipe or CI gets a usage error (2)', async () => {
    const key = await at('./ops/gwctl key add', [[/key name.*:/, 'asked-key\r']]);
    expect(key.code, key.text).toBe(0);
    expect(key.text).toMatch(/key asked-key created/);
    expect(await t.context().registry.findKey('asked-key')).not.toBeNull();

    await t.cli(['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1']);
    await t.cli(['model', 'bind', 'gpt-4o-mini', '--provider', 'openai']);
    // A choice is a list to pick from: Enter takes the first (round-robin), down arrow the next.
    const policy = await at('./ops/gwctl model policy gpt-4o-mini', [[/routing policy/, '\u001b[B\r']]);
    expect(policy.code, policy.text).toBe(0);
    expect((await t.context().registry.getModel('gpt-4o-mini'))!.policy).toBe('weighted');
    const unbind = await at('./ops/gwctl model unbind gpt-4o-mini', [[/provider whose targets/, 'openai\r']]);
    expect(unbind.code, unbind.text).toBe(0);
    expect(await t.context().registry.getModel('gpt-4o-mini')).toBeNull();

    const piped = await gwctl(['key', 'add'], { REDIS_URL: t.url });
    expect(piped).toMatchObject({ code: 2, stderr: "error: missing required argument 'name'\nhint: see 'gwctl key add --help'\n" });
    const ci = await at('./ops/gwctl key add', [], { CI: 'true' });
    expect(ci.code).toBe(2);
    expect(ci.text).toMatch(/error: missing required argument 'name'/);
  });

  it('--api-key - and --key - at a terminal ask without echo; the secret never shows', async () => {
    const p = await at('./ops/gwctl provider add vault --base-url https://api.openai.com/v1 --api-key -', [[/Upstream API key \(input hidden\):/, `${UPSTREAM_SECRET}\r`]]);
    expect(p.code, p.text).toBe(0);
    expect(p.output).not.toContain(UPSTREAM_SECRET);
    expect((await t.context().registry.getProvider('vault'))!.secrets).toEqual([UPSTREAM_SECRET]);

    const k = await at('./ops/gwctl key add imported --key -', [[/Gateway key to import \(input hidden\):/, `${GATEWAY_KEY}\r`]]);
    expect(k.code, k.text).toBe(0);
    expect(k.output).not.toContain(GATEWAY_KEY);
    expect(k.text).toMatch(/key imported created .* with the key you gave/);
    expect(await t.context().registry.getKeyByRaw(GATEWAY_KEY)).toMatchObject({ name: 'imported' });

    for (const command of ['./ops/gwctl provider show vault', './ops/gwctl provider list -o wide', './ops/gwctl key show imported -o yaml']) {
      const r = await at(command);
      expect(r.code, command).toBe(0);
      expect(r.output, command).not.toContain(UPSTREAM_SECRET);
      expect(r.output, command).not.toContain(GATEWAY_KEY);
    }
  });

  it('a terminal gets boxed tables cut to its width with …; a pipe plain columns, whole', async () => {
    const long = 'https://a-rather-long-upstream-host.example.internal/openai/deployments/v1';
    await t.cli(['provider', 'add', 'long-provider-name', '--base-url', long, '--models', 'gpt-4o-mini,gpt-4o']);
    const boxed = await at('./ops/gwctl provider list', [], { COLUMNS: '72' });
    expect(boxed.code).toBe(0);
    expect(boxed.text).toMatch(BOX);
    expect(boxed.text).toContain('…');
    for (const l of boxed.text.trimEnd().split('\n')) expect([...l].length, l).toBeLessThanOrEqual(72);

    const piped = await gwctl(['provider', 'list'], { REDIS_URL: t.url });
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toMatch(BOX);
    expect(piped.stdout).toContain(long);
    expect(piped.stdout).toMatch(/^name +type +base_url +secrets +models +weight +priority +status\n/);

    const narrow = await gwctl(['provider', 'list'], { REDIS_URL: t.url, COLUMNS: '60' });
    expect(narrow.stdout).not.toMatch(BOX);
    for (const l of narrow.stdout.trimEnd().split('\n')) expect([...l].length, l).toBeLessThanOrEqual(60);
    expect(narrow.stdout).toContain('…');
  });
});
