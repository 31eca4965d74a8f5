import { readUsageSeries, ROLLUP_DIMENSIONS, rollupBucket, RT_KEYS, usageEventRow, usageRowsJson, type RedisClient, type UsageEvent } from '@llmgw/core';
import { expect } from 'vitest';
import { defineGovernanceCommands } from '../../packages/gateway/src/governance/limit-scripts.js';
import { rollupArgs } from '../../packages/gateway/src/governance/usage-rollup-args.js';
import { streamEvents } from './usage-stream.js';

type Sums = { requests: number; errors: number; prompt: number; completion: number; cached: number; writes: number; nusd: number };

/** What the rollups should hold for `events`: per bucket and group, the counters the script adds (MCP tool calls: none). */
function expected(events: UsageEvent[], g: 'h' | 'd', group: (e: UsageEvent) => string): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const e of events) {
    if (e.kind === 'mcp') continue;
    const k = `${rollupBucket(g, e.ts)}|${group(e)}`;
    let r = out.get(k);
    if (!r) out.set(k, (r = { requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, writes: 0, nusd: 0 }));
    r.requests++;
    if (e.status >= 400 || e.aborted) r.errors++;
    r.prompt += e.prompt_tokens;
    r.completion += e.completion_tokens;
    r.cached += e.cached_tokens;
    r.writes += e.cache_write_tokens;
    r.nusd += Math.round(e.cost_usd * 1e9);
  }
  return out;
}

/**
 * The usage rollups equal the sum of the usage stream's model requests (all of it, untrimmed): every hour and day
 * bucket, in total and for every key, model and provider, checked through readUsageSeries.
 */
export async function expectRollupsEqualStream(redis: RedisClient): Promise<void> {
  const events = (await streamEvents(redis));
  expect(events.length).toBeGreaterThan(0);
  const from = Math.min(...events.map((e) => e.ts));
  const to = Math.max(...events.map((e) => e.ts)) + 1;
  const pick = { total: () => '', key: (e: UsageEvent) => e.key_id, model: (e: UsageEvent) => e.model, provider: (e: UsageEvent) => e.provider };
  for (const granularity of ['hour', 'day'] as const) {
    const g = granularity === 'hour' ? 'h' : 'd';
    for (const by of ['total', ...ROLLUP_DIMENSIONS] as const) {
      const want = expected(events, g, pick[by]);
      const got = new Map<string, unknown>();
      if (by === 'total') {
        const s = await readUsageSeries(redis, { from, to, granularity, by });
        for (const b of s.buckets) if (b.requests) got.set(`${rollupBucket(g, b.start)}|`, b);
      } else {
        // One bucket at a time, every group: the per-bucket truth of each group's hashes.
        for (let b = rollupBucket(g, from); b <= rollupBucket(g, to - 1); b++) {
          const span = g === 'h' ? 3_600_000 : 86_400_000;
          const s = await readUsageSeries(redis, { from: b * span, to: (b + 1) * span, granularity, by, top: 1_000_000 });
          for (const r of s.groups) got.set(`${b}|${r.group}`, r);
        }
      }
      const norm = (m: Map<string, unknown>) =>
        Object.fromEntries([...m].map(([k, v]) => {
          const r = v as Record<string, number>;
          return [k, 'nusd' in r ? r : { requests: r.requests, errors: r.errors, prompt: r.prompt_tokens, completion: r.completion_tokens, cached: r.cached_tokens, writes: r.cache_write_tokens, nusd: Math.round(r.cost_usd! * 1e9) }];
        }));
      expect(norm(got), `rollups by ${by} per ${granularity} equal the stream`).toEqual(norm(want));
    }
  }
}

let podSeq = 0;

/**
 * Write usage events as a gateway pod does: through the usage script (gwXaddOnce, a first send's
 * aggregate form with the pod's own rollup sums), so the stream and the rollups both get them.
 */
export async function recordUsage(redis: RedisClient, events: UsageEvent[]): Promise<void> {
  const r = defineGovernanceCommands(redis);
  const roll = rollupArgs(events, { hourS: 8 * 86_400, dayS: 400 * 86_400 }, true);
  const keys = [RT_KEYS.usageStream, RT_KEYS.usageApplied(`test-${process.pid}`), RT_KEYS.usageStreamIndex, ...roll.keys];
  const first = podSeq;
  podSeq += events.length;
  const [applied] = await r.gwXaddOnce(keys.length, ...keys, 100_000, 60_000, ...roll.argv, 'a', first, podSeq - 1, events.length, usageRowsJson(events.map(usageEventRow)), ...roll.sums);
  expect(applied).toBe(events.length);
}
