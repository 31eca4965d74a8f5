/** An attribute value of a span (OTLP AnyValue: string, integer, double, bool). */
export type AttrValue = string | number | boolean;

/** A finished span, in the gateway's terms; `toExportRequest` writes OTLP's. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'server' | 'client';
  /** Epoch ms (fractions kept). */
  startMs: number;
  endMs: number;
  attributes: Record<string, AttrValue | undefined>;
  /** An error message makes the status ERROR; otherwise UNSET. */
  error?: string;
}

const KIND = { server: 2, client: 3 } as const;

function anyValue(v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  // OTLP/JSON writes 64-bit integers as decimal strings.
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const nanos = (ms: number): string => (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6))).toString();

function attributes(a: Record<string, AttrValue | undefined>): Array<{ key: string; value: Record<string, unknown> }> {
  const out = [];
  for (const [key, v] of Object.entries(a)) if (v !== undefined && !(typeof v === 'number' && !Number.isFinite(v))) out.push({ key, value: anyValue(v) });
  return out;
}

/** An OTLP `ExportTraceServiceRequest` in its JSON encoding (ids as hex, times as nano strings). */
export function toExportRequest(spans: SpanRecord[], resource: Record<string, AttrValue>, scope: { name: string; version: string }): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes(resource) },
        scopeSpans: [
          {
            scope,
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: KIND[s.kind],
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(Math.max(s.endMs, s.startMs)),
              attributes: attributes(s.attributes),
              status: s.error === undefined ? { code: 0 } : { code: 2, message: s.error },
            })),
          },
        ],
      },
    ],
  };
}
