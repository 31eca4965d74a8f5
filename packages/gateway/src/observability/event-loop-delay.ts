import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Registry } from 'prom-client';

/** Sampling period of the event-loop monitor (prom-client's own default precision). */
const RESOLUTION_MS = 10;
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const NAME = 'llmgw_event_loop_delay_seconds';
const HELP =
  `How late the event loop ran a timer due every ${RESOLUTION_MS} ms (perf_hooks.monitorEventLoopDelay): 0 on an idle loop; ` +
  'a request waiting behind a stall (GC, a long synchronous task) waits this long. Cumulative since start; read with rate() or histogram_quantile().';

/**
 * The event-loop delay as a Prometheus histogram (prom-client's default metrics have only
 * quantiles that reset at every scrape, which cannot be summed across workers or over time).
 * Node records samples in an HDR histogram; at each scrape its percentiles give how many
 * samples fall in each bucket, which are added to running totals, and it starts again.
 */
export class EventLoopDelayHistogram {
  readonly name = NAME;
  readonly help = HELP;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly monitor: IntervalHistogram;
  /** Cumulative per-bucket counts (not cumulative across buckets); the last slot is +Inf. */
  private readonly counts = new Float64Array(BUCKETS.length + 1);
  private sum = 0;
  private count = 0;

  constructor(registry: Registry) {
    this.monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.monitor.enable();
    registry.registerMetric(this as never);
  }

  /** Move the samples taken since the last call into the totals. */
  private drain(): void {
    const h = this.monitor;
    const n = h.count;
    if (n === 0) return;
    const delay = (ns: number) => Math.max(0, ns / 1e9 - RESOLUTION_MS / 1000);
    // The share of samples at or below each bound: the highest percentile whose value is.
    const points = [...h.percentiles].sort((a, b) => a[0] - b[0]);
    let below = 0;
    let j = 0;
    BUCKETS.forEach((bound, i) => {
      let pct = -1;
      while (j < points.length && delay(points[j]![1]) <= bound) pct = points[j++]![0];
      const upTo = pct < 0 ? below : Math.round((n * pct) / 100);
      this.counts[i]! += upTo - below;
      below = upTo;
    });
    this.counts[BUCKETS.length]! += n - below;
    this.sum += Math.max(0, (h.mean * n) / 1e9 - (n * RESOLUTION_MS) / 1000);
    this.count += n;
    h.reset();
  }

  async get() {
    this.drain();
    const values: Array<{ labels: Record<string, string>; value: number; metricName: string }> = [];
    let acc = 0;
    BUCKETS.forEach((le, i) => {
      acc += this.counts[i]!;
      values.push({ labels: { le: String(le) }, value: acc, metricName: `${NAME}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${NAME}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${NAME}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${NAME}_count` });
    return { name: NAME, help: HELP, type: this.type, values, aggregator: this.aggregator };
  }

  /** Stop sampling (the gateway is shutting down). */
  stop(): void {
    this.monitor.disable();
  }
}
