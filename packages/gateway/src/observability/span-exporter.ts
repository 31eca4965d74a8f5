import type { Logger } from '../logger.js';
import type { GatewayStats } from '../stats.js';
import type { TraceSettings } from './otel-config.js';
import { toExportRequest, type AttrValue, type SpanRecord } from './otlp-json.js';

/** What the exporter counts (the gateway's stats: llmgw_trace_spans_*_total). */
type ExportStats = Pick<GatewayStats, 'traceSpansExported' | 'traceSpansDropped'>;

/**
 * Spans queued in memory and POSTed as OTLP/HTTP JSON every `delayMs`, or as soon as a batch
 * is full; one export in flight at a time. The request path only pushes onto a bounded array:
 * past `maxQueue` a span is dropped and counted, never waited for. A failed export drops its
 * batch (logged once per run of failures: an unreachable collector must not fill the log).
 */
export class SpanExporter {
  private queue: SpanRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly s: TraceSettings,
    private readonly resource: Record<string, AttrValue>,
    private readonly scope: { name: string; version: string },
    private readonly log: Logger,
    private readonly stats: ExportStats,
  ) {}

  /** Queue finished spans (never blocks). */
  add(spans: SpanRecord[]): void {
    for (const span of spans) {
      if (this.queue.length >= this.s.maxQueue) this.stats.traceSpansDropped++;
      else this.queue.push(span);
    }
    if (this.queue.length >= this.s.maxBatch) this.kick();
    else if (this.queue.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, this.s.delayMs);
      this.timer.unref();
    }
  }

  /** Export everything queued now (at shutdown); resolves when done or given up. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length > 0 || this.inFlight) {
      if (this.inFlight) await this.inFlight;
      else this.kick();
    }
  }

  private kick(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.s.maxBatch);
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = null;
      // What came in meanwhile: a full batch goes now, the rest on the timer.
      if (this.queue.length > 0) this.add([]);
    });
  }

  private async send(batch: SpanRecord[]): Promise<void> {
    try {
      const res = await fetch(this.s.url, {
        method: 'POST',
        headers: { ...this.s.headers, 'content-type': 'application/json' },
        body: JSON.stringify(toExportRequest(batch, this.resource, this.scope)),
        signal: AbortSignal.timeout(this.s.timeoutMs),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.stats.traceSpansExported += batch.length;
      if (this.failing) this.log.info({ url: this.s.url }, 'trace export working again');
      this.failing = false;
    } catch (e) {
      this.stats.traceSpansDropped += batch.length;
      // The URL only: the headers may hold the collector's credentials.
      if (!this.failing) this.log.warn({ url: this.s.url, err: (e as Error).message, dropped: batch.length }, 'trace export failed: spans dropped');
      this.failing = true;
    }
  }
}
