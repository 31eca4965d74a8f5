import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../tests/support/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// The command reference in docs/gwctl.md is generated from the built program
// (`npm test` builds first): a command's help changed without `npm run docs:gwctl` fails here.
describe('the gwctl command reference', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('in docs/gwctl.md is the one the program generates', () => {
    const r = spawnSync(process.execPath, ['scripts/gwctl-reference.mjs', '--check', 'docs/gwctl.md'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('covers every command with its options and examples, aliases under their own heading', () => {
    const r = spawnSync(process.execPath, ['scripts/gwctl-reference.mjs'], { cwd: ROOT, encoding: 'utf8' });
    for (const usage of ['gwctl provider add [options] <name>', 'gwctl key add [options] <name>', 'gwctl model bind [options] <name>', 'gwctl completion [options] <shell>', 'gwctl usage [options]']) {
      expect(r.stdout).toContain(`\`${usage}\``);
    }
    expect(r.stdout).toMatch(/Also accepted \(other gateways' spellings\):\n\n\| option \| meaning \|\n\| --- \| --- \|\n\| `--auth-value <secret>` \| --api-key \(one-api-nginx\) \|/);
    expect(r.stdout).toContain('| `-o, --output <format>` | output format (choices: "table", "wide", "json", "yaml", "name") |');
    expect(r.stdout).not.toContain('__complete');
  });
});
