import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { TraceSettings } from './otel-config.js';
import { toExportRequest, type SpanRecord } from './otlp-json.js';
import { SpanExporter } from './span-exporter.js';
import { parseTraceparent, sampled } from './trace-context.js';

const settings = (o: Partial<TraceSettings> = {}): TraceSettings => ({
  url: 'http://127.0.0.1:1/v1/traces', headers: {}, timeoutMs: 2000, serviceName: 's', sampler: 'parentbased_always_on', ratio: 1,
  delayMs: 60_000, maxQueue: 3, maxBatch: 3, captureContent: false, jsonInsteadOfProtobuf: false, ...o,
});
const span = (i: number): SpanRecord => ({ traceId: 'a'.repeat(32), spanId: String(i).padStart(16, '0'), name: 'x', kind: 'server', startMs: 1000.5, endMs: 1002.25, attributes: { n: i, f: 0.5, s: 's', b: true, u: undefined } });

describe('trace context', () => {
  it('reads a W3C traceparent; refuses a malformed one, an all-zero id, version ff', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
    for (const bad of [undefined, '', 'junk', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra']) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it('samplers: a parent decides for parentbased_*; the ratio by trace id', () => {
    const parent = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), flags: 0 };
    expect(sampled({ sampler: 'parentbased_always_on', ratio: 1 }, parent, parent.traceId)).toBe(false);
    expect(sampled({ sampler: 'always_on', ratio: 1 }, parent, parent.traceId)).toBe(true);
    expect(sampled({ sampler: 'parentbased_always_off', ratio: 1 }, null, 'f'.repeat(32))).toBe(false);
    expect(sampled({ sampler: 'traceidratio', ratio: 0.5 }, null, `${'0'.repeat(24)}10000000`)).toBe(true);
    expect(sampled({ sampler: 'traceidratio', ratio: 0.5 }, null, `${'0'.repeat(24)}f0000000`)).toBe(false);
  });
});

describe('OTLP JSON and the exporter', () => {
  it('writes ids as hex, times as nanosecond strings, integers as strings; leaves undefined attributes out', () => {
    const body = toExportRequest([span(7)], { 'service.name': 's' }, { name: 'n', version: '1' }) as any;
    const s = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(s).toMatchObject({ kind: 2, startTimeUnixNano: '1000500000', endTimeUnixNano: '1002250000', status: { code: 0 } });
    expect(s.attributes).toEqual([
      { key: 'n', value: { intValue: '7' } }, { key: 'f', value: { doubleValue: 0.5 } }, { key: 's', value: { stringValue: 's' } }, { key: 'b', value: { boolValue: true } },
    ]);
  });

  it('a bounded queue: spans past it are dropped and counted; an unreachable collector drops its batch and is logged once', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const stats = { traceSpansExported: 0, traceSpansDropped: 0 };
    const x = new SpanExporter(settings(), { 'service.name': 's' }, { name: 'n', version: '1' }, log, stats);
    x.add([span(1), span(2)]);
    x.add([span(3), span(4), span(5)]); // the batch of 3 leaves at once; the queue keeps what fits meanwhile
    await x.flush();
    x.add([span(6)]);
    await x.flush();
    expect(stats).toEqual({ traceSpansExported: 0, traceSpansDropped: 6 });
    expect(lines.filter((l) => l.includes('trace export failed'))).toHaveLength(1);
  });
});
