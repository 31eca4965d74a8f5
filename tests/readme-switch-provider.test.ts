// The README's "Switch the demo to a real provider" lines, read from the README itself, run as
// a person would paste them (bash, REDIS_URL exported, a key file in HOME) against a stack
// seeded like `npm run dev` (provider `demo`, gpt-4o-mini bound to it, the demo key). The
// one change: api.openai.com is a second fake provider that accepts only the key in the file.
// Afterwards the demo key's request reaches that provider, and the demo provider no more.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/cli.js';
import { postChat } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEMO_KEY = 'gw-demo-local-only-0123456789abcdef';
const REAL_SECRET = 'sk-the-real-openai-key-from-a-file';

/** The shell lines of the first sh block after the README heading. */
function switchLines(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Switch the demo to a real provider'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

function run(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', script], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe("README: switching the demo to a real provider", () => {
  const stack = useGatewayStack();
  let openai: FakeProvider;
  beforeAll(async () => {
    ensureBuilt();
    openai = await startFakeProvider({ requireKey: REAL_SECRET });
  }, 120_000);
  afterAll(() => openai.close());

  it('its lines run as written and the demo key then reaches the new provider only', async () => {
    await stack.registry.addProvider({ name: 'demo', base_url: stack.fake.url, secrets: ['sk-demo-upstream-secret'], models: ['gpt-4o-mini'] });
    await stack.registry.bindModel('gpt-4o-mini', { provider: 'demo' });
    await stack.registry.createKey({ name: 'demo', rpm: 6000 }, DEMO_KEY);
    expect((await postChat(stack.gw, DEMO_KEY)).status).toBe(200);
    expect(stack.fake.received.length).toBeGreaterThan(0);

    const lines = switchLines();
    expect(lines[0]).toMatch(/^export REDIS_URL=/);
    expect(lines.some((l) => l.startsWith('ops/gwctl provider add openai'))).toBe(true);
    const home = mkdtempSync(path.join(tmpdir(), 'readme-home-'));
    writeFileSync(path.join(home, 'openai-key.txt'), `${REAL_SECRET}\n`);
    const script = lines
      .map((l) => (l.startsWith('export REDIS_URL=') ? `export REDIS_URL=${stack.redisUrl}` : l.replaceAll('https://api.openai.com/v1', openai.url)))
      .join(' &&\n');
    // Not spawnSync: the fake providers answer from this process's event loop.
    const r = await run(script, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CI: '1' });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(REAL_SECRET);

    stack.fake.reset();
    openai.reset();
    await expect.poll(async () => (await postChat(stack.gw, DEMO_KEY)).status, { timeout: 5000 }).toBe(200);
    await expect.poll(() => openai.received.some((q) => q.status === 200), { timeout: 5000 }).toBe(true);
    openai.reset();
    for (let i = 0; i < 5; i++) expect((await postChat(stack.gw, DEMO_KEY)).status).toBe(200);
    expect(openai.received.filter((q) => q.status === 200)).toHaveLength(5);
    expect(stack.fake.received.filter((q) => q.path.endsWith('/chat/completions'))).toHaveLength(0);
  }, 60_000);
});
