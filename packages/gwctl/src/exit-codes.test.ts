import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../test/harness.js';
import { EXIT } from './errors.js';
import { buildProgram } from './program.js';
import { createPrompt } from './prompt.js';

/** Every command people run (hidden ones left out), as argv paths. */
function leafCommands(): string[][] {
  const program = buildProgram({
    writeOut: () => {},
    writeErr: () => {},
    openContext: () => Promise.reject(new Error('not run')),
    prompt: () => createPrompt({ interactive: false }),
  });
  const out: string[][] = [];
  const visit = (cmd: Command, path: string[]) => {
    const subs = cmd.createHelp().visibleCommands(cmd).filter((c) => c.name() !== 'help');
    if (subs.length === 0) out.push(path);
    for (const c of subs) visit(c, [...path, c.name()]);
  };
  visit(program, []);
  return out;
}

/** stderr of a failure: one `error:` line and at most one `hint:` line; never a stack trace. */
const ONE_LINE_AND_HINT = /^error: [^\n]+\n(hint: [^\n]+\n)?$/;

// The same exit codes from every command: 0 ok, 1 the operation failed, 2 usage error.
describe('exit codes, everywhere', () => {
  const t = useGwctl();
  const leaves = leafCommands();

  it('knows every command', () => {
    expect(leaves.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['provider add', 'key rotate', 'model timeout', 'redis ping', 'usage', 'completion']));
  });

  it('an unknown option is a usage error (2) on every command: one line and a hint naming its help', async () => {
    for (const path of leaves) {
      const r = await t.cli([...path, '--no-such-flag']);
      const what = path.join(' ');
      expect(r.code, what).toBe(EXIT.usage);
      // (model unbind reports its missing required --provider first.)
      expect(r.stderr, what).toMatch(new RegExp(`^error: (unknown option '--no-such-flag'|required option .*)\\nhint: see 'gwctl ${what} --help'\\n$`));
    }
  });

  it('--help exits 0 on every command', async () => {
    for (const path of leaves) {
      const r = await t.cli([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(EXIT.ok);
      expect(r.stdout).toMatch(/^Usage: gwctl /);
    }
  });

  it('an unknown -o format is a usage error (2) on every command that prints data', async () => {
    let withOutput = 0;
    for (const path of leaves) {
      if (!(await t.cli([...path, '--help'])).stdout.includes('-o, --output')) continue;
      withOutput++;
      const r = await t.cli([...path, '-o', 'xml']);
      expect(r.code, path.join(' ')).toBe(EXIT.usage);
      expect(r.stderr).toMatch(ONE_LINE_AND_HINT);
    }
    expect(withOutput).toBeGreaterThanOrEqual(16);
  });

  it('a missing argument without a terminal is a usage error (2); a missing value a flag gives is an operation error (1)', async () => {
    for (const argv of [['provider', 'show'], ['key', 'add'], ['model', 'policy', 'm'], ['model', 'unbind', 'm'], ['completion']]) {
      const r = await t.cli(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.usage);
      expect(r.stderr).toMatch(ONE_LINE_AND_HINT);
    }
    const r = await t.cli(['provider', 'add', 'p']);
    expect(r).toMatchObject({ code: EXIT.user, stderr: 'error: missing --base-url (no terminal to ask on)\nhint: pass --base-url\n' });
  });

  it('an operation on something that does not exist fails (1) with one line and a hint, writing nothing', async () => {
    await t.cli(['provider', 'add', 'p', '--base-url', 'https://example.com/v1']);
    const before = await t.revision();
    const cases = [
      ['provider', 'show', 'ghost'],
      ['provider', 'edit', 'ghost', '--weight', '2'],
      ['provider', 'del', 'ghost', '--yes'],
      ['provider', 'models', 'ghost'],
      ['provider', 'test', 'ghost'],
      ['provider', 'status', 'ghost'],
      ['provider', 'reset', 'ghost'],
      ['key', 'show', 'ghost'],
      ['key', 'edit', 'ghost', '--rpm', '1'],
      ['key', 'disable', 'ghost'],
      ['key', 'enable', 'ghost'],
      ['key', 'rotate', 'ghost', '--yes'],
      ['key', 'del', 'ghost', '--yes'],
      ['key', 'add', 'k', '--provider-allow', 'ghost'],
      ['model', 'bind', 'm', '--provider', 'ghost'],
      ['model', 'unbind', 'ghost', '--provider', 'p'],
      ['model', 'show', 'ghost'],
      ['model', 'alias', 'a', 'ghost'],
      ['model', 'policy', 'ghost', 'rr'],
      ['model', 'price', 'ghost'],
      ['model', 'reserve', 'ghost'],
      ['model', 'timeout', 'ghost'],
      ['model', 'del', 'ghost', '--yes'],
      ['usage', '--key', 'ghost'],
    ];
    for (const argv of cases) {
      const r = await t.cli(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.user);
      expect(r.stderr, argv.join(' ')).toMatch(ONE_LINE_AND_HINT);
      expect(r.stdout, argv.join(' ')).toBe('');
    }
    expect(await t.revision()).toBe(before);
  });
});
