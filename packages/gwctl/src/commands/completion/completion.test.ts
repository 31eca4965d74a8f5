import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../../../tests/support/cli.js';
import { useGwctl } from '../../../test/harness.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const have = (shell: string) => spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;

describe('gwctl completion', () => {
  const t = useGwctl();

  async function seed() {
    for (const argv of [
      ['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1'],
      ['provider', 'add', 'ollama', '--base-url', 'http://127.0.0.1:11434/v1', '--auth-type', 'none'],
      ['model', 'bind', 'gpt-4o-mini', '--provider', 'openai'],
      ['model', 'bind', 'llama3:8b', '--provider', 'ollama'],
      ['key', 'add', 'team-a'],
      ['key', 'add', 'team-b'],
    ]) {
      expect((await t.cli(argv)).code, argv.join(' ')).toBe(0);
    }
  }

  /** The values `__complete` offers after `words` (the last being typed). */
  async function complete(...words: string[]): Promise<string[]> {
    const r = await t.cli(['__complete', '--', ...words]);
    expect(r.code, words.join(' ')).toBe(0);
    return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
  }

  it('completes commands, flags, choices, and provider, key and model names from Redis', async () => {
    await seed();
    expect(await complete('')).toEqual(['provider', 'key', 'model', 'redis', 'usage', 'export', 'diff', 'apply', 'import', 'completion', 'admin', 'audit', 'mcp', 'help']);
    expect(await complete('pro')).toEqual(['provider']);
    expect(await complete('provider', '')).toEqual(expect.arrayContaining(['add', 'list', 'show', 'edit', 'del', 'models', 'test', 'status', 'reset']));
    expect(await complete('provider', 'show', '')).toEqual(['ollama', 'openai']);
    expect(await complete('provider', 'edit', 'o')).toEqual(['ollama', 'openai']);
    expect(await complete('key', 'show', 't')).toEqual(['team-a', 'team-b']);
    expect(await complete('usage', '--key', '')).toEqual(['team-a', 'team-b']);
    expect(await complete('model', 'show', 'llama3:')).toEqual(['llama3:8b']);
    expect(await complete('model', 'bind', 'x', '--provider', '')).toEqual(['ollama', 'openai']);
    expect(await complete('key', 'add', 'k', '--providers', 'op')).toEqual(['openai']);
    expect(await complete('model', 'policy', 'gpt-4o-mini', '')).toEqual(['round-robin', 'weighted', 'priority', 'least-busy', 'latency']);
    expect(await complete('provider', 'add', 'x', '--type', '')).toEqual(['openai', 'anthropic', 'azure', 'gemini']);
    expect(await complete('key', 'list', '-o', '')).toEqual(['table', 'wide', 'json', 'yaml', 'name']);
    expect(await complete('key', 'list', '--output=y')).toEqual(['--output=yaml']);
    expect(await complete('provider', 'add', 'x', '--t')).toEqual(['--type', '--timeout-ms']);
    expect(await complete('key', 'list', '--')).toEqual(expect.arrayContaining(['--output', '--json', '--redis-url', '--yes', '--help']));
    expect(await complete('key', 'list', '--')).not.toContain('--version');
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // A new name, a raw key, or a free value: nothing to offer (the shell falls back to files).
    expect(await complete('provider', 'add', '')).toEqual([]);
    expect(await complete('key', 'add', 'k', '--key', '')).toEqual([]);
    expect(await complete('provider', 'add', 'x', '--base-url', '')).toEqual([]);
  });

  it('describes commands and flags for the shells that show descriptions', async () => {
    const r = await t.cli(['__complete', '--', 'key', '']);
    expect(r.stdout).toMatch(/^add\tcreate a gateway key and print it once$/m);
    expect(r.stdout).not.toContain('__complete');
  });

  it('prints a script for each shell, and refuses another', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await t.cli(['completion', shell]);
      expect(r.code, shell).toBe(0);
      expect(r.stdout, shell).toContain('__complete --');
    }
    expect((await t.cli(['completion', 'bash'])).stdout).toMatch(/^complete -o default -F _gwctl_complete gwctl ops\/gwctl \.\/ops\/gwctl$/m);
    expect((await t.cli(['completion', 'zsh'])).stdout).toMatch(/^#compdef gwctl\n/);
    expect((await t.cli(['completion', 'fish'])).stdout).toMatch(/^complete -c gwctl -f -a '\(__gwctl_complete\)'$/m);
    expect((await t.cli(['completion', 'tcsh'])).code).toBe(2);
  });

  describe('in the shells themselves (the built gwctl on PATH, names from the test Redis)', () => {
    let bin: string;
    beforeAll(() => {
      ensureBuilt();
      bin = mkdtempSync(path.join(tmpdir(), 'gwctl-completion-'));
      writeFileSync(path.join(bin, 'gwctl'), `#!/bin/sh\nexec "${path.join(ROOT, 'ops/gwctl')}" "$@"\n`);
      chmodSync(path.join(bin, 'gwctl'), 0o755);
    }, 120_000);
    afterAll(() => rmSync(bin, { recursive: true, force: true }));

    const shellRun = (shell: string, script: string) => {
      const r = spawnSync(shell, shell === 'zsh' ? ['-f', '-c', script] : ['-c', script], {
        env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: tmpdir(), REDIS_URL: t.url },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };

    it('bash: the script parses, and Tab offers names and values', async () => {
      await seed();
      const out = shellRun(
        'bash',
        `source <(gwctl completion bash)
t() { COMP_LINE="$1"; COMP_POINT=\${#1}; _gwctl_complete; echo "\${COMPREPLY[*]}"; }
t "gwctl pro"; t "gwctl provider show "; t "./ops/gwctl key show team-"; t "gwctl model show llama3:"; t "gwctl key list --output=ya"`,
      );
      // After a : or = bash replaces only what follows it.
      expect(out).toBe('provider\nollama openai\nteam-a team-b\n8b\nyaml\n');
    });

    it.skipIf(!have('zsh'))('zsh: the script parses, and completion offers names with descriptions of commands', async () => {
      await seed();
      const out = shellRun(
        'zsh',
        `compdef() { print "compdef $*" }
source <(gwctl completion zsh)
_describe() { local arr=\${@[-1]}; print -rl -- \${(P)arr} }
_files() { print FILES }
words=(gwctl provider show ""); CURRENT=4; _gwctl
words=(gwctl model show ""); CURRENT=4; _gwctl
words=(gwctl k); CURRENT=2; _gwctl
words=(gwctl provider add ""); CURRENT=4; _gwctl`,
      );
      expect(out).toBe('compdef _gwctl gwctl ops/gwctl ./ops/gwctl\nollama\nopenai\ngpt-4o-mini\nllama3\\:8b\nkey:gateway keys: add, list, show, edit, disable, enable…\nFILES\n');
    });

    it.skipIf(!have('fish'))('fish: the script parses, and completion offers names', async () => {
      await seed();
      const out = shellRun('fish', 'gwctl completion fish | source; complete -C "gwctl provider show "; complete -C "gwctl key list -o j"');
      expect(out).toBe('ollama\nopenai\njson\n');
    });
  });
});
