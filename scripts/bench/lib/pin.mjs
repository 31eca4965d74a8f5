// `--pin`: the process being measured on cores of its own, everything else — the load
// generator, the fake provider, Redis, this runner — on the rest, with `taskset`. Unpinned, on
// a 2-core host four busy processes take turns on two cores and a request waits for a core
// more often than for the gateway (docs/performance.md, "tail pass"); pinned, the target has
// a core to itself and what it adds is its own.
//
// Layout: the load side gets core 0, the targets cores 1…n-1. A target with more workers than
// that (GW_WORKERS=2 on 2 cores) shares them, which the report says.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** @type {{load: string, target: string, targetCores: number} | null} */
let plan = null;

/**
 * Turn pinning on for this process and every child spawned through the bench's helpers from
 * now on; pins this process itself to the load side. Throws when it cannot be done.
 */
export function enablePinning() {
  const cores = os.cpus().length;
  if (cores < 2) throw new Error(`--pin needs at least 2 cores (this host has ${cores})`);
  if (spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status !== 0) throw new Error('--pin needs taskset (apt-get install -y util-linux)');
  plan = { load: '0', target: cores === 2 ? '1' : `1-${cores - 1}`, targetCores: cores - 1 };
  pinPid(process.pid, 'load');
  return plan;
}

/** The `taskset -c …` argv prefix for a process of `role` ('load' or 'target'), or [] unpinned. */
export function tasksetArgs(role) {
  return plan ? ['taskset', '-c', plan[role]] : [];
}

/** Pin a running process and all its threads (Redis, started elsewhere); its future children inherit it. */
export function pinPid(pid, role) {
  if (!plan) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', plan[role], String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -a -p -c ${plan[role]} ${pid} failed: ${(r.stderr || '').trim()}`);
}
