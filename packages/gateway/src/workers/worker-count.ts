import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

type ReadFile = (path: string) => string;

const readText: ReadFile = (p) => readFileSync(p, 'utf8');

/**
 * The cgroup v2 CPU quota of this container in cores (`cpu.max`: "<quota> <period>", or
 * "max <period>" for none), rounded up; null when there is none or it cannot be read
 * (cgroup v1, not Linux). A container limited to 1.5 CPUs gets 2 workers.
 */
export function cgroupCpuLimit(read: ReadFile = readText): number | null {
  let text: string;
  try {
    text = read('/sys/fs/cgroup/cpu.max');
  } catch {
    return null;
  }
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return null;
  return Math.max(1, Math.ceil(q / p));
}

/**
 * How many workers GW_WORKERS asks for: a number as given; `auto` the cores this process may
 * use: os.availableParallelism() (the CPU affinity mask, so `taskset` and cpusets count),
 * bounded by the cgroup CPU quota when one is set.
 */
export function resolveWorkerCount(setting: number | 'auto', cores: number = availableParallelism(), quota: number | null = cgroupCpuLimit()): number {
  if (setting !== 'auto') return setting;
  return Math.max(1, quota === null ? cores : Math.min(cores, quota));
}
