import { usageEntryEvents, type UsageEvent } from './usage.js';
import { RT_KEYS } from './redis-keys.js';
import type { RedisClient } from './redis-connect.js';

/** Entries per XRANGE: each holds a batch of up to a few hundred events. */
const PAGE = 50;
/** Events buffered by a pod during a Redis outage get stream ids later than their `ts`. */
const LATE_WRITE_SLACK_MS = 3_600_000;

/**
 * Usage events with `since <= ts < until` (and of one key when given), read from the stream
 * page by page with XRANGE by id, which is the time the event's batch was written.
 */
export async function* readUsage(redis: RedisClient, since: number, until: number | null, keyId?: string): AsyncGenerator<UsageEvent> {
  let start = String(since);
  const end = until === null ? '+' : String(until + LATE_WRITE_SLACK_MS);
  for (;;) {
    const page = await redis.xrange(RT_KEYS.usageStream, start, end, 'COUNT', PAGE);
    for (const [, fields] of page) {
      for (const e of usageEntryEvents(fields)) {
        if (e.ts < since || (until !== null && e.ts >= until)) continue;
        if (keyId && e.key_id !== keyId) continue;
        yield e;
      }
    }
    if (page.length < PAGE) return;
    start = `(${page[page.length - 1]![0]}`;
  }
}

/**
 * Epoch ms before which the stream lost events to its MAXLEN trim (more entries were ever
 * added than it holds: everything older than its first entry is gone), or null.
 */
export async function trimmedUntil(redis: RedisClient): Promise<number | null> {
  const info = (await redis.call('XINFO', 'STREAM', RT_KEYS.usageStream).catch(() => null)) as unknown[] | null;
  if (!Array.isArray(info)) return null;
  const field = (name: string) => {
    const i = info.indexOf(name);
    return i >= 0 ? info[i + 1] : undefined;
  };
  const added = Number(field('entries-added') ?? 0);
  const first = field('first-entry') as [string, string[]] | null | undefined;
  if (!first || !(added > Number(field('length') ?? 0))) return null;
  return Number(first[0].split('-')[0]);
}
