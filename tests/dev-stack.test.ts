// `npm run dev` (scripts/dev.mjs) as two real processes on this worker's Redis: a second one,
// or any port already in use, is refused at once with one line naming the port and the process
// holding it, and Redis is left untouched (it used to re-point the demo provider at its own fake
// upstream, so the first stack answered 502 once the second stopped). Ctrl-C (SIGINT to the
// whole process group, as a terminal sends it) ends the stack with exit code 0.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/lib/local-redis.mjs';
import { useTestRedis } from './support/redis.js';

const DEV = fileURLToPath(new URL('../scripts/dev.mjs', import.meta.url));
const { redis, url: redisUrl } = useTestRedis();

interface Dev {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

const started: Dev[] = [];
afterEach(async () => {
  for (const d of started.splice(0)) {
    if (d.child.exitCode === null && d.child.signalCode === null) process.kill(-d.child.pid!, 'SIGKILL');
  }
});

/** `node scripts/dev.mjs` in a process group of its own (as a shell job), no stdin. */
function startDev(env: Record<string, string>): Dev {
  const child = spawn(process.execPath, [DEV], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', REDIS_URL: redisUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const d = { child, out: () => out, err: () => err, exited };
  started.push(d);
  return d;
}

async function waitUp(d: Dev): Promise<void> {
  const end = Date.now() + 20_000;
  while (!d.out().includes('The gateway is up') || !d.out().includes('The console is up')) {
    if (Date.now() > end || d.child.exitCode !== null) throw new Error(`dev stack did not start:\n${d.out()}\n${d.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const demoBaseUrl = () => redis.hget('gw:provider:demo', 'base_url');
const rev = () => redis.get('gw:rev');

describe('npm run dev', () => {
  it('a second one on the same ports is refused with one line naming the port and the process, Redis untouched; Ctrl-C ends the first with 0', async () => {
    const env = { GW_PORT: String(await freePort()), GW_ADMIN_PORT: String(await freePort()), CONSOLE_PORT: String(await freePort()) };
    const first = startDev(env);
    await waitUp(first);
    const before = { url: await demoBaseUrl(), rev: await rev() };
    expect(before.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    const second = startDev(env);
    expect(await second.exited).toBe(1);
    const lines = second.err().trim().split('\n');
    expect(lines, second.err()).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`port ${env.GW_PORT} \\(GW_PORT\\) on 127\\.0\\.0\\.1 is already in use by pid \\d+ \\(.*packages/gateway/dist/main\\.js\\)`));
    expect(second.out()).toBe('');
    expect({ url: await demoBaseUrl(), rev: await rev() }).toEqual(before);

    // The first stack still serves through its own fake upstream.
    const r = await fetch(`http://127.0.0.1:${env.GW_PORT}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer gw-demo-local-only-0123456789abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    await r.text();

    // The console is up on its port, and the admin token printed signs in.
    const token = /sign in with the admin token \(new each run\):\s+(gwadm-\S+)/.exec(first.out())?.[1];
    expect(first.out()).toContain(`The console is up on http://127.0.0.1:${env.CONSOLE_PORT}/`);
    const session = await fetch(`http://127.0.0.1:${env.CONSOLE_PORT}/api/v1/session`, { headers: { authorization: `Bearer ${token}` } });
    expect(await session.json()).toMatchObject({ name: 'dev', role: 'admin' });

    process.kill(-first.child.pid!, 'SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.out() + first.err()).not.toMatch(/second signal|exited with code/);
    // Its ports are free again.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(Number(env.GW_PORT), '127.0.0.1', resolve));
    probe.close();
  });

  it('any port in use (here the admin port, held by this test) is refused before anything starts', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const held = (holder.address() as net.AddressInfo).port;
    try {
      const d = startDev({ GW_PORT: String(await freePort()), GW_ADMIN_PORT: String(held), CONSOLE_PORT: String(await freePort()) });
      expect(await d.exited).toBe(1);
      expect(d.err().trim()).toMatch(new RegExp(`^npm run dev: port ${held} \\(GW_ADMIN_PORT\\) on 127\\.0\\.0\\.1 is already in use by pid ${process.pid} \\(.+\\); .*GW_ADMIN_PORT=${held + 1} npm run dev$`));
      expect(await redis.exists('gw:provider:demo')).toBe(0);
      expect(await rev()).toBeNull();
    } finally {
      holder.close();
    }
  });
});
