// GW_WORKERS: one pod serving its port from several worker processes (SO_REUSEPORT), each a
// whole gateway; the supervisor sums their metrics on the admin port, starts again a worker
// that dies, drains them all on SIGTERM, and raises the open-files limit they inherit.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/cli.js';
import { seedBasic, spawnGateway, testRegistry, type GatewayProcess } from './support/gateway.js';
import { useTestRedis, workerRedisUrl } from './support/redis.js';
import { until } from './support/wait.js';

useTestRedis();
let fake: FakeProvider;
let key: string;
const MAIN = fileURLToPath(new URL('../packages/gateway/dist/main.js', import.meta.url));

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeProvider();
});
// Redis is flushed before each test.
beforeEach(async () => {
  const registry = testRegistry();
  try {
    key = (await seedBasic(registry, fake.url)).rawKey;
  } finally {
    await registry.redis.quit();
  }
});
afterAll(async () => {
  await fake?.close();
});

/** A chat completion on a connection of its own (a new source port: the kernel picks a worker per connection). */
function chatOnNewConnection(port: number): Promise<number> {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent: false, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const lines = (gw: GatewayProcess) =>
  gw
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);

async function adminPort(gw: GatewayProcess): Promise<number> {
  await until(() => lines(gw).some((l) => l.adminPort), 'the admin listener', 15_000);
  return lines(gw).find((l) => l.adminPort)!.adminPort as number;
}

/** Sum of a metric's samples (every label set) in the Prometheus text. */
function metricSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('GW_WORKERS=2', () => {
  it('serves from both workers, sums their metrics, starts a killed worker again, and drains both on SIGTERM', async () => {
    const gw = await spawnGateway({ GW_WORKERS: '2', GW_ADMIN_PORT: '0' });
    try {
      const admin = `http://127.0.0.1:${await adminPort(gw)}`;
      let sent = 0;
      const served = () => new Set(lines(gw).filter((l) => l.msg === 'request').map((l) => l.worker));
      while (sent < 100 && served().size < 2) {
        expect(await chatOnNewConnection(gw.port)).toBe(200);
        sent++;
        if (sent % 10 === 0) await until(() => lines(gw).filter((l) => l.msg === 'request').length === sent, 'access lines');
      }
      await until(() => served().size === 2, 'requests served by both workers');
      expect([...served()].sort()).toEqual([0, 1]);

      // /metrics: the workers' counters summed.
      await until(async () => metricSum(await (await fetch(`${admin}/metrics`)).text(), 'llmgw_requests_total') === sent, `llmgw_requests_total = ${sent}`);
      const text = await (await fetch(`${admin}/metrics`)).text();
      expect(metricSum(text, 'llmgw_workers')).toBe(2);
      expect(text).toMatch(/^llmgw_workers\{state="listening"\} 2$/m);
      expect(text).toContain('llmgw_event_loop_delay_seconds_bucket{le="0.01"}');
      expect(text).toMatch(/^llmgw_build_info\{[^}]*\} 1$/m);

      // A worker killed outright: the other serves meanwhile, and it is started again.
      const status = (await (await fetch(`${admin}/status`)).json()) as { workers: Array<{ id: number; pid: number; restarts: number; ready: boolean }> };
      expect(status.workers.map((w) => w.id)).toEqual([0, 1]);
      const victim = status.workers[1]!.pid;
      process.kill(victim, 'SIGKILL');
      // Connections a dying worker had accepted die with it; once it is gone, the other takes every new one.
      await until(() => !alive(victim), 'the killed worker gone');
      for (let i = 0; i < 10; i++) expect(await chatOnNewConnection(gw.port)).toBe(200);
      await until(
        async () => {
          const r = await fetch(`${admin}/ready`);
          const s = (await r.json()) as { workers: Array<{ pid: number; restarts: number; ready: boolean }> };
          return r.status === 200 && s.workers[1]!.restarts === 1 && s.workers[1]!.pid !== victim && s.workers[1]!.ready;
        },
        'worker 1 started again',
        20_000,
        100,
      );
      expect(lines(gw).some((l) => l.msg === 'worker died; starting it again' && l.worker === 1 && l.signal === 'SIGKILL')).toBe(true);
      expect(metricSum(await (await fetch(`${admin}/metrics`)).text(), 'llmgw_worker_restarts_total')).toBe(1);
      for (let i = 0; i < 10; i++) expect(await chatOnNewConnection(gw.port)).toBe(200);

      const after = (await (await fetch(`${admin}/status`)).json()) as { workers: Array<{ pid: number }> };
      const pids = after.workers.map((w) => w.pid);
      expect(await gw.stop('SIGTERM')).toBe(0);
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(lines(gw).filter((l) => l.msg === 'gateway stopped' && l.drained === true).map((l) => l.worker).sort()).toEqual([0, 1]);
    } finally {
      await gw.stop('SIGKILL');
    }
  }, 90_000);

  it('reports a low open-files limit at start; the workers run with the soft limit raised to the hard one', async () => {
    const child = spawn('prlimit', ['--nofile=1000:4000', process.execPath, MAIN], {
      env: { ...process.env, REDIS_URL: workerRedisUrl(), GW_PORT: '0', GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await until(() => out.includes('"msg":"workers listening"'), `workers listening:\n${out}`, 20_000);
      const parsed = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>);
      const report = parsed.find((l) => typeof l.msg === 'string' && l.msg.startsWith('open-files limit is low'));
      if (!report) throw new Error(`no line on the open-files limit:\n${out}`);
      // Node.js raises the soft limit to the hard one at startup; 4,000 files = 1,968 streams.
      expect(report).toMatchObject({ role: 'supervisor', openFilesSoft: 4000, openFilesHard: 4000, streamCapacity: 1968, level: 40 });
      const pids = parsed.find((l) => l.msg === 'workers listening')!.pids as number[];
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(/^Max open files\s+4000\s+4000/m);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 60_000);

  it('a port the workers cannot bind stops the pod at boot (exit 1, no worker left), instead of restarting them in a loop', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, REDIS_URL: workerRedisUrl(), GW_PORT: String(port), GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).toBe(1);
      expect(out).toContain('"msg":"workers could not start"');
      expect(out).toMatch(/worker \d exited \(code 1\) before listening/);
      expect(out).not.toContain('worker died; starting it again');
      // The other worker, still booting or listening, was killed with the pod.
      const line = out.split('\n').find((l) => l.includes('"msg":"workers could not start"'))!;
      const killed = (JSON.parse(line) as { killed: number[] }).killed;
      expect(killed.length).toBeGreaterThanOrEqual(1);
      await until(() => killed.every((pid) => !alive(pid)), 'no worker left');
    } finally {
      child.kill('SIGKILL');
      taken.close();
    }
  }, 60_000);

  describe('a pod stopped while its workers boot leaves no worker behind', () => {
    /** Pids whose parent is `ppid` (from /proc: the workers of a supervisor). */
    const childrenOf = (ppid: number): number[] =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            // Field 4 of /proc/<pid>/stat, after the command in parentheses.
            return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === ppid;
          } catch {
            return false;
          }
        })
        .map(Number);

    /** A supervisor whose two workers take ≈ 4 s to boot: their Redis refuses, and they wait for it that long. */
    async function bootingPod() {
      const deadRedis = net.createServer();
      await new Promise<void>((r) => deadRedis.listen(0, '127.0.0.1', r));
      const redisPort = (deadRedis.address() as net.AddressInfo).port;
      await new Promise((r) => deadRedis.close(r));
      const child = spawn(process.execPath, [MAIN], {
        env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${redisPort}`, GW_REDIS_BOOT_WAIT_MS: '4000', GW_PORT: '0', GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_WORKERS: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      let workers: number[] = [];
      await until(() => (workers = childrenOf(child.pid!)).length === 2, 'two workers started');
      return { child, workers, exited, out: () => out };
    }

    it('SIGTERM: the supervisor stops the booting workers and exits 0', async () => {
      const pod = await bootingPod();
      try {
        pod.child.kill('SIGTERM');
        expect(await pod.exited).toEqual({ code: 0, signal: null });
        expect(pod.out()).toContain('"msg":"workers stopped before serving"');
        await until(() => pod.workers.every((pid) => !alive(pid)), 'no worker left', 15_000);
      } finally {
        pod.child.kill('SIGKILL');
        for (const pid of pod.workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }, 60_000);

    it('SIGKILL of the supervisor: each worker drains and exits once booted, instead of serving without it', async () => {
      const pod = await bootingPod();
      try {
        pod.child.kill('SIGKILL');
        await pod.exited;
        await until(() => pod.workers.every((pid) => !alive(pid)), 'no worker left', 15_000);
      } finally {
        for (const pid of pod.workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }, 60_000);
  });
});
