import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventLoopDelayHistogram } from './event-loop-delay.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventLoopDelayHistogram', () => {
  it('counts a stall of the loop in the buckets above its length, cumulatively, and sums across scrapes', async () => {
    const registry = new Registry();
    const h = new EventLoopDelayHistogram(registry);
    try {
      await sleep(50);
      // Block the loop for 80 ms: the next sample is at least 70 ms late.
      const until = performance.now() + 80;
      while (performance.now() < until);
      await sleep(50);
      const first = await h.get();
      const bucket = (data: typeof first, le: string) => data.values.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === le)!.value;
      const count = (data: typeof first) => data.values.find((v) => v.metricName.endsWith('_count'))!.value;
      const les = first.values.filter((v) => v.metricName.endsWith('_bucket')).map((v) => v.value);
      // Cumulative: never decreasing, ending at the count.
      for (let i = 1; i < les.length; i++) expect(les[i]).toBeGreaterThanOrEqual(les[i - 1]!);
      expect(bucket(first, '+Inf')).toBe(count(first));
      expect(count(first)).toBeGreaterThan(0);
      expect(bucket(first, '+Inf') - bucket(first, '0.05')).toBeGreaterThanOrEqual(1);
      expect(first.values.find((v) => v.metricName.endsWith('_sum'))!.value).toBeGreaterThanOrEqual(0.07);
      // The next scrape keeps what the first counted (a Prometheus histogram only grows).
      await sleep(30);
      const second = await h.get();
      expect(count(second)).toBeGreaterThanOrEqual(count(first));
      expect(bucket(second, '+Inf') - bucket(second, '0.05')).toBeGreaterThanOrEqual(1);
      expect(await registry.metrics()).toContain('llmgw_event_loop_delay_seconds_bucket{le="0.05"}');
    } finally {
      h.stop();
    }
  });
});
