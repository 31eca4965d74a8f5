import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashKey, MIN_IMPORTED_KEY_LENGTH } from '@llmgw/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = path.join(ROOT, 'ops/gwctl');
const MAIN = path.join(ROOT, 'packages/gwctl/dist/main.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the built CLI through ops/gwctl as a real process, with only the environment given; `input` is piped to its stdin. */
function gwctl(args: string[], env: Record<string, string> = {}, launcher = LAUNCHER, input?: string): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

describe('ops/gwctl as a process', () => {
  const { url, redis } = useTestRedis();
  const env = () => ({ REDIS_URL: url });

  beforeAll(() => {
    // `npm test` builds first; a bare `vitest run` on a fresh checkout builds here.
    if (!existsSync(MAIN)) execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/gwctl'], { cwd: ROOT, stdio: 'inherit' });
  }, 120_000);

  it('`ops/gwctl help` prints usage and exits 0', async () => {
    const r = await gwctl(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: gwctl /);
    expect(r.stdout).toMatch(/provider[\s\S]*key[\s\S]*model[\s\S]*redis/);
  });

  it('stops quietly when the reader of its output goes away (`gwctl --help | head -1`)', async () => {
    const child = spawn(LAUNCHER, ['--help'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Close the reading end before the CLI writes (it takes ~100 ms to start): its writes
    // meet a closed pipe, as they do once `head -1` has its line.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('Unhandled');
    expect(code).toBe(0);
  });

  it('adds a provider and a key, lists and shows them (exit 0)', async () => {
    const add = await gwctl(['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1', '--api-key', 'sk-proc-0123456789abcdefghij', '--models', 'gpt-4o-mini'], env());
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toContain('provider openai added');
    expect((await gwctl(['model', 'bind', 'gpt-4o-mini', '--provider', 'openai'], env())).code).toBe(0);

    const key = await gwctl(['key', 'add', 'team-a', '--model-allow', 'gpt-4o*', '--rpm', '600', '--json'], env());
    expect(key.code).toBe(0);
    const created = JSON.parse(key.stdout) as { key: string; id: string };
    expect(created.key).toMatch(/^gw-[A-Za-z0-9]{40}$/);

    const list = await gwctl(['provider', 'list'], env());
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/openai .*https:\/\/api\.openai\.com\/v1/);
    expect(list.stdout).not.toContain('sk-proc-0123456789abcdefghij');

    const show = await gwctl(['key', 'show', 'team-a', '--json'], env());
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: created.id, rpm: 600 });
    expect(show.stdout).not.toContain(created.key);

    const ping = await gwctl(['redis', 'ping', '--json'], env());
    expect(ping.code).toBe(0);
    expect(JSON.parse(ping.stdout)).toMatchObject({ reachable: true, providers: 1, keys: 1, models: 1 });
  });

  it('a user error exits 1 with one line on stderr (and a hint) and writes nothing', async () => {
    const before = await redis.get('gw:rev');
    const r = await gwctl(['model', 'bind', 'gpt-4o', '--provider', 'ghost'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: unknown provider "ghost"\nhint: add it first (gwctl provider add ghost --base-url …), or see gwctl provider list\n');
    expect(r.stdout).toBe('');
    const dup = await gwctl(['provider', 'add', 'x', '--base-url', 'not-a-url'], env());
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^error: invalid provider: base_url: [^\n]*\n$/);
    expect(await redis.get('gw:rev')).toBe(before);
  });

  it('`key add --key -` imports the key piped on stdin, without its trailing newline', async () => {
    const raw = 'sk-from-stdin-0123456789abcdef';
    const r = await gwctl(['key', 'add', 'piped', '--key', '-', '--json'], env(), LAUNCHER, `${raw}\n`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toMatchObject({ key: null, name: 'piped', prefix: raw.slice(0, 10) });
    expect(r.stdout).not.toContain(raw);
    expect(await redis.hget(`gw:key:${hashKey(raw)}`, 'name')).toBe('piped');
    expect(await redis.exists(`gw:key:${hashKey(`${raw}\n`)}`)).toBe(0);

    // Without a newline at all (printf, a here-string's content, a secret manager's output).
    const bare = 'sk-no-newline-0123456789abcdef';
    expect((await gwctl(['key', 'add', 'bare', '--key', '-'], env(), LAUNCHER, bare)).code).toBe(0);
    expect(await redis.hget(`gw:key:${hashKey(bare)}`, 'name')).toBe('bare');
  });

  it('`key add --key -` refuses an empty, short or multi-line stdin with the error of --key, writing nothing', async () => {
    const before = await redis.get('gw:rev');
    const tooShort = `error: --key is too short: an imported key needs at least ${MIN_IMPORTED_KEY_LENGTH} characters\nhint: a short key is guessable; pass --allow-short-key if you mean it\n`;
    const empty = 'error: --key is empty\n';
    for (const [input, stderr] of [['', empty], ['\n', empty], ['too-short\n', tooShort]] as const) {
      const r = await gwctl(['key', 'add', 'bad', '--key', '-'], env(), LAUNCHER, input);
      expect(r, JSON.stringify(input)).toMatchObject({ code: 1, stdout: '', stderr });
    }
    // Nothing piped at all (stdin is /dev/null) reads as empty too.
    expect(await gwctl(['key', 'add', 'bad', '--key', '-'], env())).toMatchObject({ code: 1, stderr: empty });
    const twoLines = await gwctl(['key', 'add', 'bad', '--key', '-'], env(), LAUNCHER, 'sk-first-line-0123456789abcdef\nsk-second-line-0123456789abcdef\n');
    expect(twoLines).toMatchObject({ code: 1, stderr: 'error: --key -: standard input holds more than one line\nhint: pipe the key alone\n' });
    expect(await redis.get('gw:rev')).toBe(before);
  });

  it('a destructive command without a terminal needs --yes', async () => {
    await gwctl(['key', 'add', 'k'], env());
    const r = await gwctl(['key', 'del', 'k'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: refusing to delete key k without confirmation (no terminal to ask on)\nhint: pass --yes\n');
    expect((await gwctl(['key', 'del', 'k', '--yes'], env())).code).toBe(0);
  });

  it('a usage error exits 2', async () => {
    const r = await gwctl(['provider', 'list', '--no-such-flag'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect((await gwctl(['provider', 'add'], env())).code).toBe(2);
  });

  it('an unreachable Redis exits 1 within seconds, naming the URL without its password', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    const r = await gwctl(['--redis-url', `redis://admin:hunter2@127.0.0.1:${port}`, 'redis', 'ping']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot reach Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port}: [^\\n]+\\n$`));
    expect(r.stderr).not.toContain('hunter2');
    expect(r.ms).toBeLessThan(5000);
  });

  it('the launcher says how to build when dist is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gwctl-launcher-'));
    try {
      mkdirSync(path.join(dir, 'ops'));
      copyFileSync(LAUNCHER, path.join(dir, 'ops/gwctl'));
      const r = await gwctl(['help'], {}, path.join(dir, 'ops/gwctl'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/npm run build/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
