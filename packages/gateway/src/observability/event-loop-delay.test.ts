import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventLoopDelayHistogram } from './event-loop-delay.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventLoopDelayHistogram', () => {
  it('puts every sample in its own bucket: the share over a bound is exact, not a power of one half', async () => {
    const registry = new Registry();
    const h = new EventLoopDelayHistogram(registry);
    h.stop(); // only the samples below
    // 970 on time or nearly, 24 just over 1 ms, 5 over 5 ms, 1 over 50 ms: 3 % over 1 ms.
    for (let i = 0; i < 970; i++) h.observe(i % 2 ? 0.0002 : -0.0001);
    for (let i = 0; i < 24; i++) h.observe(0.0012);
    for (let i = 0; i < 5; i++) h.observe(0.006);
    h.observe(0.06);
    const data = await h.get();
    const bucket = (le: string) => data.values.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === le)!.value;
    expect([bucket('0.001'), bucket('0.0025'), bucket('0.005'), bucket('0.01'), bucket('0.05'), bucket('0.1'), bucket('+Inf')]).toEqual([970, 994, 994, 999, 999, 1000, 1000]);
    expect(data.values.find((v) => v.metricName.endsWith('_sum'))!.value).toBeCloseTo(485 * 0.0002 + 24 * 0.0012 + 5 * 0.006 + 0.06, 9);
    // A sample exactly on a bound is in that bucket (le = less than or equal).
    h.observe(0.0025);
    expect((await h.get()).values.find((v) => v.labels.le === '0.0025')!.value).toBe(995);
  });

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
