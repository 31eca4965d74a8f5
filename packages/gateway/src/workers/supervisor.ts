import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { WORKER_ID_ENV, WORKER_METRICS_ENV, type FromWorker, type MetricsJson, type ToWorker } from './messages.js';
import { relayLines } from './relay-lines.js';

/** A worker that lived less than this before it died counts as crashing at once (backoff grows). */
const QUICK_CRASH_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;

/** One worker process and what the supervisor knows of it. */
interface WorkerSlot {
  readonly id: number;
  child: ChildProcess | null;
  /** It reported its listener open (and has not exited since). */
  listening: boolean;
  startedAt: number;
  /** Times it was started again after it died. */
  restarts: number;
  quickCrashes: number;
}

export interface SupervisorOptions {
  config: GatewayConfig;
  count: number;
  /** The gateway's main.js: each worker runs it with WORKER_ID_ENV set. */
  main: string;
  log: Logger;
  /** Aborted (a signal) while the workers boot: they are stopped and `startSupervisor` rejects with `BootAborted`. */
  signal?: AbortSignal;
}

/** The pod was asked to stop before every worker listened; the workers started so far have exited. */
export class BootAborted extends Error {
  constructor() {
    super('stopped before every worker listened');
  }
}

export interface Supervisor {
  readonly port: number;
  readonly workers: readonly WorkerSlot[];
  readonly stopping: boolean;
  /** Ask every listening worker; the answers that came within `timeoutMs`. */
  ask(kind: 'metrics', timeoutMs?: number): Promise<Array<{ slot: WorkerSlot; metrics: MetricsJson | null }>>;
  ask(kind: 'status', timeoutMs?: number): Promise<Array<{ slot: WorkerSlot; ready: boolean; status: unknown }>>;
  /** Every worker drains and exits; resolves with 0 when all exited 0 (all drained), else 1. */
  stop(): Promise<number>;
  /** A second signal: workers stop waiting for their requests. */
  hurry(): void;
}

/** A free TCP port on `host` (GW_PORT=0): the workers must all bind the same, explicit one. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Start `count` worker processes on one port. uWS sets SO_REUSEPORT on a listener with an
 * explicit port, so every worker binds the same port and the kernel spreads new connections
 * over them; one that dies leaves the group and the others take its connections while it is
 * started again (with a backoff when it keeps dying). Resolves once every worker listens;
 * rejects when one dies before any worker ever listened (a boot failure, not a crash).
 */
export async function startSupervisor(opts: SupervisorOptions): Promise<Supervisor> {
  const { config, log } = opts;
  const port = config.GW_PORT === 0 ? await freePort(config.GW_HOST) : config.GW_PORT;
  const workers: WorkerSlot[] = [];
  const pending = new Map<number, (m: FromWorker) => void>();
  let nextAsk = 1;
  let stopping = false;
  let everListened = false;
  let bootFailed: ((e: Error) => void) | null = null;
  let allListening: (() => void) | null = null;

  const spawnWorker = (slot: WorkerSlot) => {
    // The admin listener is the supervisor's; a worker keeps its metrics for it to ask.
    const env: NodeJS.ProcessEnv = { ...process.env, GW_PORT: String(port), [WORKER_ID_ENV]: String(slot.id) };
    if (config.GW_ADMIN_PORT !== undefined) env[WORKER_METRICS_ENV] = '1';
    delete env.GW_ADMIN_PORT;
    // Detached: a terminal's Ctrl-C reaches the supervisor only, which drains the workers.
    const child = fork(opts.main, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
    slot.child = child;
    slot.listening = false;
    slot.startedAt = Date.now();
    relayLines(child.stdout!, process.stdout);
    relayLines(child.stderr!, process.stderr);
    child.on('message', (m: FromWorker) => {
      if (m.t === 'listening') {
        slot.listening = everListened = true;
        if (workers.every((w) => w.listening)) allListening?.();
        return;
      }
      pending.get(m.id)?.(m);
    });
    child.on('exit', (code, signal) => {
      slot.child = null;
      slot.listening = false;
      if (stopping) return;
      if (!everListened) {
        bootFailed?.(new Error(`worker ${slot.id} exited (${signal ?? `code ${code}`}) before listening`));
        return;
      }
      const lived = Date.now() - slot.startedAt;
      slot.quickCrashes = lived < QUICK_CRASH_MS ? slot.quickCrashes + 1 : 0;
      const wait = slot.quickCrashes === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** (slot.quickCrashes - 1));
      log.error({ worker: slot.id, pid: child.pid, code, signal, livedMs: lived, restartInMs: wait }, 'worker died; starting it again');
      setTimeout(() => {
        if (stopping) return;
        slot.restarts++;
        spawnWorker(slot);
      }, wait).unref();
    });
  };

  const aborted = () => bootFailed?.(new BootAborted());
  opts.signal?.addEventListener('abort', aborted, { once: true });
  await new Promise<void>((resolve, reject) => {
    allListening = resolve;
    bootFailed = reject;
    if (opts.signal?.aborted) return reject(new BootAborted());
    for (let id = 0; id < opts.count; id++) {
      const slot: WorkerSlot = { id, child: null, listening: false, startedAt: 0, restarts: 0, quickCrashes: 0 };
      workers.push(slot);
      spawnWorker(slot);
    }
  }).catch(async (e: unknown) => {
    stopping = true;
    const pids = workers.map((w) => w.child?.pid).filter((p) => p !== undefined);
    if (e instanceof BootAborted) {
      // Asked to stop: a worker still booting has no handler yet and ends at SIGTERM; one that
      // listens already drains (nothing in flight) and exits. Wait for every one of them.
      await Promise.all(
        workers.map((w) => {
          const child = w.child;
          if (!child) return Promise.resolve();
          return new Promise((r) => {
            child.once('exit', r);
            child.kill('SIGTERM');
          });
        }),
      );
      throw e;
    }
    for (const w of workers) w.child?.kill('SIGKILL');
    throw Object.assign(e as Error, { pids });
  });
  opts.signal?.removeEventListener('abort', aborted);
  bootFailed = null;
  log.info({ port, host: config.GW_HOST, workers: opts.count, pids: workers.map((w) => w.child?.pid) }, 'workers listening');

  const send = (slot: WorkerSlot, m: ToWorker) => {
    if (slot.child?.connected) slot.child.send(m);
  };

  function ask(kind: 'metrics' | 'status', timeoutMs = 2_000): Promise<never[]> {
    const live = workers.filter((w) => w.listening && w.child?.connected);
    return new Promise((resolve) => {
      const answers: unknown[] = [];
      const ids: number[] = [];
      let left = live.length;
      const finish = () => {
        clearTimeout(timer);
        for (const id of ids) pending.delete(id);
        resolve(answers as never[]);
      };
      const timer = setTimeout(finish, timeoutMs);
      if (left === 0) return finish();
      for (const slot of live) {
        const id = nextAsk++;
        ids.push(id);
        pending.set(id, (m) => {
          pending.delete(id);
          answers.push({ slot, ...m });
          if (--left === 0) finish();
        });
        send(slot, { t: kind, id });
      }
    });
  }

  return {
    port,
    workers,
    get stopping() {
      return stopping;
    },
    ask,
    async stop() {
      stopping = true;
      const exits = workers.map(
        (w) =>
          new Promise<number>((resolve) => {
            const child = w.child;
            if (!child) return resolve(1);
            child.once('exit', (code) => resolve(code ?? 1));
            // One still booting (started again after a crash) would not hear the message:
            // SIGTERM ends it before its handler exists, or drains it once there is one.
            if (child.connected && w.listening) send(w, { t: 'drain' });
            else child.kill('SIGTERM');
          }),
      );
      const codes = await Promise.all(exits);
      return codes.every((c) => c === 0) ? 0 : 1;
    },
    hurry() {
      for (const w of workers) w.child?.kill('SIGTERM');
    },
  };
}
