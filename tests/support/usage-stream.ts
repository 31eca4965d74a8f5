import { RT_KEYS, usageEntryEvents, type UsageEvent } from '@llmgw/core';

/** What reads the stream: a Redis or a Cluster client. */
interface StreamReader {
  xrange(key: string, start: string, end: string): Promise<Array<[string, string[]]>>;
}

/** Every event in the usage stream, oldest first (an entry holds one write's batch of events). */
export async function streamEvents(redis: StreamReader): Promise<UsageEvent[]> {
  return (await redis.xrange(RT_KEYS.usageStream, '-', '+')).flatMap(([, fields]) => usageEntryEvents(fields));
}

/** How many events the usage stream holds (not entries: XLEN counts batches). */
export async function streamEventCount(redis: StreamReader): Promise<number> {
  return (await streamEvents(redis)).length;
}
