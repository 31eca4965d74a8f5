// Private Redis Cluster and Sentinel topologies for the tests that need them (not the
// global setup: they cost a few hundred milliseconds and most tests run on standalone).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, pingRedis, pingRedisTls, startRedis } from '../../scripts/lib/local-redis.mjs';

interface LocalRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Replicas per master (default 0). A replica can take over its master's slots. */
  replicas?: number;
  /** `cluster-node-timeout`: how long a silent node takes to be suspected failed (default 2000 ms). */
  nodeTimeoutMs?: number;
  /** Server certificate, key and CA: every node then speaks TLS only. */
  tls?: NodeTls;
}

export interface LocalCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,…` (every node, replicas included), the value of REDIS_CLUSTER_NODES. */
  nodes: string;
  /** The masters' ports as started (a failover may turn one into a replica). */
  ports: number[];
  /** The replicas' ports as started. */
  replicaPorts: number[];
  /** The port of the master that serves `key` right now (asked of a live node). */
  masterOf(key: string): Promise<number>;
  /** The ports of the live masters that serve slots right now. */
  masters(): Promise<number[]>;
  /** The port of a live replica of the master at `port`. */
  replicaOf(port: number): Promise<number>;
  /**
   * Make the master at `port` fail; resolves with the port of its replica that will take over.
   * `graceful`: CLUSTER FAILOVER on the replica (a manual failover: the master pauses its
   * clients until the replica has every write, then they swap roles; nothing is lost).
   * `kill`: SIGKILL the master (a crash: the replica takes over once the other masters agree
   * it is down, after cluster-node-timeout and an election; unreplicated writes are lost).
   * Does not wait for the promotion: see `promoted`.
   */
  failover(port: number, how: 'graceful' | 'kill'): Promise<number>;
  /**
   * Keep the replica at `port` from taking over its failed master (`cluster-replica-no-failover`)
   * while `hold` is true: the cluster then refuses commands (CLUSTERDOWN) until it is released,
   * the way a slow promotion looks to clients.
   */
  holdFailover(port: number, hold: boolean): Promise<void>;
  /** Resolves once every live node reports `cluster_state:fail` (a failed master whose slots nobody serves). */
  down(timeoutMs?: number): Promise<void>;
  /** Resolves once `port` is a master with slots and every live node reports `cluster_state:ok` and agrees. */
  promoted(port: number, timeoutMs?: number): Promise<void>;
  /** Resolves once every replica of the master at `port` has acknowledged all of its writes so far. */
  replicated(port: number, timeoutMs?: number): Promise<void>;
  /** The port of the live node holding a client connection whose name contains `name`, or null. */
  nodeWithClient(name: string): Promise<number | null>;
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

/** Run `fn` on a short-lived connection to the node at `port`. */
async function onNode<T>(port: number, fn: (c: Redis) => Promise<T>, tls?: NodeTls): Promise<T> {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...clientTlsOf(tls) });
  c.on('error', () => {});
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/** One line of CLUSTER NODES. */
interface NodeLine {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  /** The id of its master (replicas), else '-'. */
  masterId: string;
  slots: number;
}

function parseNodes(text: string): NodeLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flags, masterId, , , , , ...slots] = line.split(' ');
      return {
        id: id!,
        port: Number(/:(\d+)@/.exec(addr!)?.[1]),
        master: flags!.split(',').includes('master'),
        failed: /fail/.test(flags!),
        masterId: masterId!,
        slots: slots.length,
      };
    });
}

/**
 * One cluster node. Its bus port is a free port of its own rather than the default port +
 * 10000, which nobody checked was free; and since a free port can be taken by another process
 * before redis-server binds it, a node that cannot bind is started again on other ports.
 */
async function startClusterNode(nodeTimeoutMs: number, tls?: NodeTls): Promise<LocalRedis> {
  for (let attempt = 1; ; attempt++) {
    try {
      // startRedis gives each node its own temporary --dir, so the nodes.conf files never clash.
      return (await startRedis({
        args: [
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(await freePort()),
          '--cluster-node-timeout', String(nodeTimeoutMs), '--repl-diskless-sync-delay', '0',
          ...(tls ? ['--tls-cluster', 'yes', '--tls-replication', 'yes'] : []),
        ],
        ...(tls ? { tls: { ...tls, authClients: 'no' } } : {}),
      }));
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(String(e))) throw e;
    }
  }
}

/**
 * Start a Redis Cluster on free loopback ports: `masters` masters (default 3) sharing the
 * slots, each with `replicas` replicas; wait until every node reports `cluster_state:ok`, knows
 * every node, and every replica has synced; return its seed list. `stop()` kills the nodes.
 * With `tls`, clients, the Cluster bus and replication speak TLS only (`--tls-cluster yes`).
 */
export async function startRedisCluster(masters = 3, opts: ClusterOptions = {}): Promise<LocalCluster> {
  const replicas = opts.replicas ?? 0;
  const tls = opts.tls;
  const cliTls = tls ? ['--tls', '--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile] : [];
  const on = <T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> => onNode(port, fn, tls);
  const total = masters * (1 + replicas);
  const nodes: LocalRedis[] = [];
  const dead = new Set<number>();
  const stopAll = async () => void (await Promise.all(nodes.map((n) => n.stop())));
  try {
    for (let i = 0; i < total; i++) nodes.push(await startClusterNode(opts.nodeTimeoutMs ?? 2000, tls));
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    // redis-cli picks which nodes become masters (and whose replica each other one is); `ports` reports its choice.
    await run('redis-cli', [...cliTls, '--cluster', 'create', ...addrs, '--cluster-replicas', String(replicas), '--cluster-yes']);
    for (const n of nodes) {
      await until(`cluster_state:ok on ${n.port}`, () =>
        on(n.port, async (c) => {
          const info = String(await c.cluster('INFO'));
          // Every node must also know all nodes, or a client could be sent a stale slot map.
          const known = parseNodes((await c.cluster('NODES')) as string);
          if (!info.includes('cluster_state:ok') || known.filter((l) => l.master && l.slots > 0).length !== masters || known.length !== total) return false;
          const me = known.find((l) => l.port === n.port)!;
          // A replica must hold its master's data before it can stand in for it.
          return me.master || (await c.info('replication')).includes('master_link_status:up');
        }),
      );
    }
    const live = () => nodes.filter((n) => !dead.has(n.port));
    const view = () => on(live()[0]!.port, async (c) => parseNodes((await c.cluster('NODES')) as string));
    const byPort = (port: number) => {
      const n = nodes.find((x) => x.port === port);
      if (!n) throw new Error(`no node on port ${port}`);
      return n;
    };
    const replicaOf = async (port: number) => {
      const all = await view();
      const master = all.find((l) => l.port === port);
      const replica = all.find((l) => master && l.masterId === master.id && !l.failed && !dead.has(l.port));
      if (!replica) throw new Error(`the node on port ${port} has no live replica`);
      return replica.port;
    };
    const startedAsMaster = new Set((await view()).filter((l) => l.master).map((l) => l.port));
    return {
      nodes: addrs.join(','),
      ports: nodes.filter((n) => startedAsMaster.has(n.port)).map((n) => n.port),
      replicaPorts: nodes.filter((n) => !startedAsMaster.has(n.port)).map((n) => n.port),
      masterOf: (key) =>
        on(live()[0]!.port, async (c) => {
          const slot = Number(await c.cluster('KEYSLOT', key));
          const range = (await c.cluster('SLOTS')).find(([lo, hi]) => slot >= lo && slot <= hi);
          if (!range?.[2]) throw new Error(`no node serves slot ${slot} (${key})`);
          return range[2][1];
        }),
      replicaOf,
      failover: async (port, how) => {
        const replica = await replicaOf(port);
        if (how === 'graceful') {
          await on(replica, (c) => c.cluster('FAILOVER'));
        } else {
          const n = byPort(port);
          dead.add(port);
          const exited = new Promise((r) => n.process.once('exit', r));
          n.process.kill('SIGKILL');
          await exited;
        }
        return replica;
      },
      holdFailover: async (port, hold) => void (await on(port, (c) => c.config('SET', 'cluster-replica-no-failover', hold ? 'yes' : 'no'))),
      down: (timeoutMs = 15_000) =>
        until(
          'every live node to report cluster_state:fail',
          async () => {
            for (const n of live()) if (!(await on(n.port, async (c) => String(await c.cluster('INFO')).includes('cluster_state:fail')))) return false;
            return true;
          },
          timeoutMs,
        ),
      promoted: (port, timeoutMs = 15_000) =>
        until(
          `the node on port ${port} to be promoted`,
          async () => {
            for (const n of live()) {
              const ok = await on(n.port, async (c) => {
                if (!String(await c.cluster('INFO')).includes('cluster_state:ok')) return false;
                const me = parseNodes((await c.cluster('NODES')) as string).find((l) => l.port === port);
                return !!me && me.master && !me.failed && me.slots > 0;
              });
              if (!ok) return false;
            }
            return true;
          },
          timeoutMs,
        ),
      replicated: (port, timeoutMs = 10_000) =>
        on(port, async (c) => {
          const all = parseNodes((await c.cluster('NODES')) as string);
          const me = all.find((l) => l.port === port)!;
          const want = all.filter((l) => l.masterId === me.id && !l.failed && !dead.has(l.port)).length;
          // A write of our own, then WAIT on the same connection: the replicas acknowledge it (and
          // so everything before it) at once, instead of with their once-a-second ACK.
          const ranges = (await c.cluster('SLOTS')).filter((r) => r[2]?.[1] === port);
          for (let i = 0; i < 1000; i++) {
            const key = `llmgw-test:sync:${i}`;
            const slot = Number(await c.cluster('KEYSLOT', key));
            if (!ranges.some(([lo, hi]) => slot >= lo && slot <= hi)) continue;
            await c.set(key, '1', 'PX', 1000);
            const acked = Number(await c.call('WAIT', String(want), String(timeoutMs)));
            if (acked < want) throw new Error(`only ${acked} of ${want} replicas of ${port} acknowledged its writes`);
            return;
          }
          throw new Error(`no key found for the slots of ${port}`);
        }),
      masters: async () => (await view()).filter((l) => l.master && !l.failed && l.slots > 0 && !dead.has(l.port)).map((l) => l.port),
      nodeWithClient: async (name) => {
        for (const n of live()) {
          const list = await on(n.port, (c) => c.client('LIST') as Promise<string>);
          if (list.split('\n').some((l) => (/ name=(\S*)/.exec(l)?.[1] ?? '').includes(name))) return n.port;
        }
        return null;
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
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
  const nodeTls = tls ? { tls: { ...tls, authClients: 'no' as const } } : {};
  const clientTls = clientTlsOf(tls);
  const master = (await startRedis(nodeTls));
  const replicaArgs = ['--replicaof', '127.0.0.1', String(master.port), ...(tls ? ['--tls-replication', 'yes'] : [])];
  const replica = opts.replica ? ((await startRedis({ args: replicaArgs, ...nodeTls }))) : null;
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
  const port = (await freePort());
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
      return (await (clientTls.tls ? pingRedisTls('127.0.0.1', port, clientTls.tls) : pingRedis('127.0.0.1', port)));
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
