import { readFileSync } from 'node:fs';
import type { Logger } from './logger.js';

/** The open-files limit (RLIMIT_NOFILE) of this process; numbers, `Infinity` for unlimited. */
export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

const toLimit = (v: string) => (v === 'unlimited' ? Infinity : Number(v));

/** Parse the "Max open files" line of /proc/<pid>/limits. */
export function parseOpenFilesLimit(limits: string): OpenFilesLimit | null {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!m) return null;
  const soft = toLimit(m[1]!);
  const hard = toLimit(m[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}

/**
 * The open-files limit of this process; null when it cannot be read (not Linux). Node.js
 * itself raises the soft limit to the hard one at startup (as nginx's
 * `worker_rlimit_nofile` would), so the hard limit is what counts: the container runtime's
 * `nofile` setting.
 */
export function readOpenFilesLimit(): OpenFilesLimit | null {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}

/** Connections a pod can hold at this limit: two files per proxied stream, a margin for the rest. */
export function streamCapacity(limit: OpenFilesLimit): number {
  return limit.soft === Infinity ? Infinity : Math.max(0, Math.floor((limit.soft - 64) / 2));
}

/**
 * Say at startup what the limit allows. Every connection is a file and a proxied stream takes
 * two (client and upstream): a low limit caps the pod, with `accept` failing, which nothing
 * else would report. A warning when it allows fewer than 10,000 streams.
 */
export function logOpenFilesLimit(log: Logger, limit: OpenFilesLimit | null): void {
  if (limit === null) {
    log.warn('open-files limit unknown (no /proc/self/limits)');
    return;
  }
  const fields = { openFilesSoft: limit.soft, openFilesHard: limit.hard, streamCapacity: streamCapacity(limit) };
  if (streamCapacity(limit) < 10_000) log.warn(fields, 'open-files limit is low: the pod serves at most streamCapacity proxied streams at once (raise nofile in the container runtime, or ulimit -n)');
  else log.info(fields, 'open-files limit');
}
