// Private Redis Cluster and Sentinel topologies for the tests that need them (not the
// global setup: they cost a few hundred milliseconds and most tests run on standalone).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
// @ts-expect-error plain JS module shared with the dev and bench scripts
import { freePort, pingRedis, pingRedisTls, startRedis } from '../../scripts/lib/local-redis.mjs';

interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface LocalCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`, the value of REDIS_CLUSTER_NODES. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

export interface LocalSentinel {
  /** `127.0.0.1:S`, the value of REDIS_SENTINELS. */
  sentinels: string;
  /** The monitored master's name (REDIS_SENTINEL_NAME). */
  name: string;
  /** The master itself, for direct inspection. */
  masterUrl: string;
  /** The replica (when started with `replica: true`). */
  replicaUrl?: string;
  /** Stop the current master's process (a crash, as far as clients can tell). */
  killMaster(): Promise<void>;
  /** The `host:port` the Sentinel names as master right now. */
  currentMaster(): Promise<string>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Server certificate, its key and the CA: a node then speaks TLS only, on its port and its Cluster bus. */
export interface NodeTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** ioredis options of the helpers' own clients: the node's certificate doubles as a client certificate. */
function clientTlsOf(tls: NodeTls | undefined): { tls?: { ca: Buffer; cert: Buffer; key: Buffer } } {
  return tls ? { tls: { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {};
}

/**
 * Start a 3-master Redis Cluster (no replicas) on free loopback ports, wait until every
 * node reports `cluster_state:ok`, and return its seed list. `stop()` kills the nodes.
 * With `tls`, clients and the Cluster bus speak TLS only (`--tls-cluster yes`).
 */
export async function startRedisCluster(masters = 3, opts: { tls?: NodeTls } = {}): Promise<LocalCluster> {
  const nodes: LocalRedis[] = [];
  const tls = opts.tls;
  const tlsArgs = tls ? ['--tls-cluster', 'yes'] : [];
  const cliTls = tls ? ['--tls', '--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile] : [];
  const clientTls = clientTlsOf(tls);
  try {
    for (let i = 0; i < masters; i++) {
      // startRedis gives each node its own temporary --dir, so the nodes.conf files never clash.
      nodes.push(
        (await startRedis({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', ...tlsArgs],
          ...(tls ? { tls: { ...tls, authClients: 'no' } } : {}),
        })) as LocalRedis,
      );
    }
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', [...cliTls, '--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes']);
    for (const n of nodes) {
      await until(`cluster_state:ok on ${n.port}`, async () => {
        const c = new Redis(n.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, ...clientTls });
        try {
          await c.connect();
          const info = await c.cluster('INFO');
          // Every node must also know all masters, or a client could be sent a stale slot map.
          const known = ((await c.cluster('NODES')) as string).split('\n').filter((l) => l.includes('master')).length;
          return String(info).includes('cluster_state:ok') && known === masters;
        } finally {
          c.disconnect();
        }
      });
    }
    return {
      nodes: addrs.join(','),
      ports: nodes.map((n) => n.port),
      stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
    };
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
}

/**
 * Start one master and one Sentinel monitoring it (quorum 1) on free loopback ports.
 * Clients connect through the Sentinel (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`).
 * With `tls`, the master, the replica and the Sentinel speak TLS only, also among themselves.
 */
export async function startRedisSentinel(name = 'llmgw-test', opts: { replica?: boolean; tls?: NodeTls } = {}): Promise<LocalSentinel> {
  const tls = opts.tls;
  const nodeTls = tls ? { tls: { ...tls, authClients: 'no' } } : {};
  const clientTls = clientTlsOf(tls);
  const master = (await startRedis(nodeTls)) as LocalRedis;
  const replicaArgs = ['--replicaof', '127.0.0.1', String(master.port), ...(tls ? ['--tls-replication', 'yes'] : [])];
  const replica = opts.replica ? ((await startRedis({ args: replicaArgs, ...nodeTls })) as LocalRedis) : null;
  if (replica) {
    await until('the replica to sync', async () => {
      const c = new Redis(replica.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, ...clientTls });
      try {
        await c.connect();
        return (await c.info('replication')).includes('master_link_status:up');
      } finally {
        c.disconnect();
      }
    });
  }
  const port = (await freePort()) as number;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-sentinel-'));
  // Sentinel rewrites its config file at runtime, so it must be a writable file of its own.
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      ...(tls
        ? ['port 0', `tls-port ${port}`, `tls-cert-file ${tls.certFile}`, `tls-key-file ${tls.keyFile}`, `tls-ca-cert-file ${tls.caFile}`, 'tls-replication yes', 'tls-auth-clients no']
        : [`port ${port}`]),
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} ${replica ? 1000 : 2000}`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const stopSentinel = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    });
  try {
    await until('the sentinel to answer', async () => {
      if (child.exitCode !== null) throw new Error(`redis-sentinel exited:\n${log.slice(-2000)}`);
      return (await (clientTls.tls ? pingRedisTls('127.0.0.1', port, clientTls.tls) : pingRedis('127.0.0.1', port))) as boolean;
    });
    await until('the sentinel to know its master', async () => {
      const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, ...clientTls });
      try {
        await c.connect();
        const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
        return Array.isArray(addr) && addr[1] === String(master.port);
      } finally {
        c.disconnect();
      }
    });
  } catch (e) {
    await stopSentinel();
    await Promise.all([master.stop(), replica?.stop()]);
    throw e;
  }
  const currentMaster = async () => {
    const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, ...clientTls });
    try {
      await c.connect();
      const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', name)) as string[];
      return `${addr[0]}:${addr[1]}`;
    } finally {
      c.disconnect();
    }
  };
  return {
    sentinels: `127.0.0.1:${port}`,
    name,
    masterUrl: master.url,
    ...(replica ? { replicaUrl: replica.url } : {}),
    killMaster: () => master.stop(),
    currentMaster,
    stop: async () => {
      await stopSentinel();
      await Promise.all([master.stop(), replica?.stop()]);
    },
  };
}
