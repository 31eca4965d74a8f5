// Seed 000 (one-api-nginx, issue 17 §1): every `./ops/gwctl …` line of its page, read from
// the page itself, runs verbatim against our ops/gwctl as a person would type it (a real
// process in a terminal, REDIS_URL pointing at the test Redis, OPENAI_REAL_KEY exported as
// its page says), and does what the page promises: a key called `demo`, sent as
// `Authorization: Bearer demo`, reaches gpt-4o-mini on provider openai.
//
// Two things are ours, and only these: the lines point the provider at api.openai.com, so
// after running them the test retargets it to the fake provider with our own
// `provider edit --base-url` (nothing else about the provider changes); and the page lists
// `provider del openai --purge` among the setup lines, before the two that use the provider,
// so it runs last here, after the chat, where it removes the provider and its binding.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { gwctl, gwctlOk, ensureBuilt } from './support/cli.js';
import { hashKey } from '@llmgw/core';
import { postChat, lastAccessLine } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { haveTerminal, runInTerminal } from './support/terminal.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The reference pages: next to the repository (`../shared/reference`, as issue 17 says), or LLMGW_REFERENCE_DIR. */
const REFERENCE_DIR = process.env.LLMGW_REFERENCE_DIR ?? path.join(ROOT, '../shared/reference');
const page = existsSync(REFERENCE_DIR) ? readdirSync(REFERENCE_DIR).find((f) => f.startsWith('000_')) : undefined;
/** The page's gwctl lines as checked in, for checkouts without the reference pages (CI); kept equal to the page below. */
const FIXTURE = path.join(ROOT, 'tests/fixtures/seed-configs/000-gwctl-lines.txt');

/** Every command line of the page that runs ./ops/gwctl, as written there. */
function gwctlLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('./ops/gwctl '));
}

const UPSTREAM_SECRET = 'sk-real-upstream-key-for-the-seed-000';

describe('seed 000 (one-api-nginx): its gwctl lines verbatim', () => {
  // GATEWAY_DEBUG=1 is the page's switch for routing debug logs; ours is GW_DEBUG.
  const stack = useGatewayStack({ env: { GATEWAY_DEBUG: '1' }, fakeOptions: { requireKey: UPSTREAM_SECRET } });
  const lines = gwctlLines(readFileSync(page ? path.join(REFERENCE_DIR, page) : FIXTURE, 'utf8'));

  it.runIf(page)('the checked-in copy of the lines is the page\'s', () => {
    expect(gwctlLines(readFileSync(FIXTURE, 'utf8'))).toEqual(lines);
  });
  const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', REDIS_URL: stack.redisUrl, OPENAI_REAL_KEY: UPSTREAM_SECRET });
  /** A page line in a terminal, answering a confirmation as its reader would. */
  const type = (line: string) => runInTerminal(line, { cwd: ROOT, env: env(), answers: [[/\(y\/N\)/, 'y\r']] });

  beforeAll(() => {
    ensureBuilt();
    expect(haveTerminal(), 'util-linux `script` makes the terminal these lines are typed in').toBe(true);
  }, 120_000);

  it('finds the lines of the page', () => {
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\/ops\/gwctl provider add openai --base-url https:\/\/api\.openai\.com /), expect.stringMatching(/^\.\/ops\/gwctl key add demo /)]));
    expect(lines.length).toBeGreaterThanOrEqual(9);
  });

  it('runs every line unchanged; Bearer demo then reaches gpt-4o-mini on openai; del --purge removes it', async () => {
    const del = lines.filter((l) => /^\.\/ops\/gwctl provider del /.test(l));
    expect(del).toHaveLength(1);
    for (const line of lines.filter((l) => !del.includes(l))) {
      const r = await type(line);
      expect(r.code, `${line}\n${r.text}`).toBe(0);
      expect(r.text, line).not.toMatch(/^error:/m);
    }

    // What the lines made: the bare host got its /v1, the secret is the exported one, the key is `demo`.
    const p = (await stack.registry.getProvider('openai'))!;
    expect(p).toMatchObject({ base_url: 'https://api.openai.com/v1', auth_type: 'bearer', secrets: [UPSTREAM_SECRET] });
    const key = await stack.registry.getKeyByHash(hashKey('demo'));
    expect(key).toMatchObject({ name: 'demo', status: 'active', providers: ['openai'], policy: 'round-robin', models: ['*'] });
    expect(await stack.registry.getModel('gpt-4o-mini')).toMatchObject({ targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] });

    // Ours: point openai at the fake provider instead of api.openai.com.
    await gwctlOk(['provider', 'edit', 'openai', '--base-url', stack.fake.url], { REDIS_URL: stack.redisUrl });
    await expect.poll(async () => (await postChat(stack.gw, 'demo')).status, { timeout: 5000 }).toBe(200);
    const res = await postChat(stack.gw, 'demo');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('gpt-4o-mini');
    const upstream = stack.fake.received.at(-1)!;
    expect([upstream.path, upstream.headers.authorization, (upstream.json as { model: string }).model]).toEqual(['/v1/chat/completions', `Bearer ${UPSTREAM_SECRET}`, 'gpt-4o-mini']);
    expect(await lastAccessLine(stack.gw, '/chat/completions')).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    // GATEWAY_DEBUG=1 logged the routing decision, as the page says it does.
    expect(stack.gw.logs.json().some((l) => l.msg === 'routing decision' && JSON.stringify(l.routing).includes('openai/gpt-4o-mini'))).toBe(true);

    // In a script nobody can confirm the delete: it is refused with a hint, nothing changes.
    const piped = await gwctl(del[0]!.replace(/^\.\/ops\/gwctl /, '').split(' '), { REDIS_URL: stack.redisUrl });
    expect(piped).toMatchObject({ code: 1, stderr: 'error: refusing to delete provider openai without confirmation (no terminal to ask on)\nhint: pass --yes\n' });
    // At a terminal it asks; yes deletes the provider and, with --purge, the binding (gpt-4o-mini had no other target).
    const r = await type(del[0]!);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/Delete provider openai, unbind it from 1 model\(s\) and delete gpt-4o-mini/);
    expect(await stack.registry.getProvider('openai')).toBeNull();
    expect(await stack.registry.getModel('gpt-4o-mini')).toBeNull();
    await expect.poll(async () => (await postChat(stack.gw, 'demo')).status, { timeout: 5000 }).toBe(404);
  }, 120_000);

  it('the page lines that print show what they promise', async () => {
    for (const line of lines.filter((l) => /provider add|key add|model bind/.test(l))) expect((await type(line)).code, line).toBe(0);
    const list = await type('./ops/gwctl provider list');
    expect(list.text).toMatch(/openai .*https:\/\/api\.openai\.com\/v1/);
    expect(list.text).not.toContain(UPSTREAM_SECRET);
    const help = await type('./ops/gwctl help');
    expect(help.text).toMatch(/^Usage: gwctl/m);
    const ping = await type('./ops/gwctl redis ping');
    expect(ping.text).toMatch(/^PONG from /m);
  }, 120_000);
});
