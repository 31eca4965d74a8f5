import type { Registry } from 'prom-client';

/** Period of the sampling timer (prom-client's own default precision). */
const RESOLUTION_MS = 10;
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const NAME = 'llmgw_event_loop_delay_seconds';
const HELP =
  `How late the event loop ran a timer due every ${RESOLUTION_MS} ms: 0 on an idle loop; ` +
  'a request waiting behind a stall (GC, a long synchronous task) waits this long. Cumulative since start; read with rate() or histogram_quantile().';

/**
 * The event-loop delay as a Prometheus histogram (prom-client's default metrics have only
 * quantiles that reset at every scrape, which cannot be summed across workers or over time).
 *
 * Each sample goes straight into its bucket: a timer every 10 ms measures how late it ran
 * (the time since its last run, less the period). The same samples `perf_hooks.
 * monitorEventLoopDelay` takes, counted exactly: read back from its HDR histogram, only the
 * percentiles it lists (0, 50, 75, 87.5, 93.75 … 100) can be had cheaply, which put the share
 * of samples over a bound at 12.5 % when it was 9 % (and `percentile()` searched
 * per bound costs ~2 ms of the loop per scrape). About a hundred timer runs a second: no cost
 * worth measuring.
 */
export class EventLoopDelayHistogram {
  readonly name = NAME;
  readonly help = HELP;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  /** Per-bucket counts (not cumulative across buckets); the last slot is +Inf. */
  private readonly counts = new Float64Array(BUCKETS.length + 1);
  private sum = 0;
  private count = 0;
  private last = performance.now();
  private timer: NodeJS.Timeout | null;

  constructor(registry: Registry) {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.observe((now - this.last - RESOLUTION_MS) / 1000);
      this.last = now;
    }, RESOLUTION_MS);
    this.timer.unref();
    registry.registerMetric(this as never);
  }

  /** One sample: the timer ran this many seconds late (below 0: on time). */
  observe(lateSeconds: number): void {
    const late = lateSeconds > 0 ? lateSeconds : 0;
    let i = 0;
    while (i < BUCKETS.length && late > BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += late;
    this.count++;
  }

  get() {
    const values: Array<{ labels: Record<string, string>; value: number; metricName: string }> = [];
    let acc = 0;
    BUCKETS.forEach((le, i) => {
      acc += this.counts[i]!;
      values.push({ labels: { le: String(le) }, value: acc, metricName: `${NAME}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${NAME}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${NAME}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${NAME}_count` });
    return Promise.resolve({ name: NAME, help: HELP, type: this.type, values, aggregator: this.aggregator });
  }

  /** Stop sampling (the gateway is shutting down). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
