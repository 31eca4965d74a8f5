import { z } from 'zod';

const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);
const flag = z.enum(['0', '1', 'true', 'false', 'yes', 'no', '']).transform((v) => v === '1' || v === 'true' || v === 'yes');

/** `k=v,k2=v2` (values URL-encoded), as the OpenTelemetry specification writes OTLP headers. */
function parseHeaders(v: string, ctx: z.RefinementCtx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim().toLowerCase() : '';
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      // The value may be a credential: the message names the entry by its header name only.
      ctx.addIssue({ code: 'custom', message: 'an entry is not name=value: use k=v,k2=v2 (values URL-encoded)' });
      return z.NEVER;
    }
    try {
      out[name] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${name} is not URL-encoded text` });
      return z.NEVER;
    }
  }
  return out;
}
const headers = z.string().transform(parseHeaders);
const httpUrl = z.string().url().refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

/**
 * The OpenTelemetry variables the gateway reads (the standard names, so a collector's usual
 * settings work), spread into the gateway's ConfigSchema. Traces are off unless an OTLP
 * endpoint is given or OTEL_TRACES_EXPORTER=otlp; OTLP over HTTP with the JSON encoding.
 */
export const OTEL_CONFIG_SHAPE = {
  OTEL_SDK_DISABLED: flag.default(false).describe('`true`: no traces whatever else is set.'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional().describe('`otlp` (traces on, to http://localhost:4318 unless an endpoint is set) or `none`. Unset: on when an endpoint is set.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional().describe('Base URL of the OTLP/HTTP receiver; traces go to `<it>/v1/traces`.'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional().describe('Full URL for traces (used as is), over OTEL_EXPORTER_OTLP_ENDPOINT.'),
  OTEL_EXPORTER_OTLP_HEADERS: headers.optional().describe('Headers of every export (`api-key=…,x-tenant=…`); never logged.'),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: headers.optional().describe('Headers of the trace exports, over OTEL_EXPORTER_OTLP_HEADERS; never logged.'),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/json', 'http/protobuf']).optional().describe('`http/json` is what is sent; `http/protobuf` is accepted (OTLP/HTTP receivers take both encodings); `grpc` is refused.'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/json', 'http/protobuf']).optional().describe('The protocol of the trace exports, over OTEL_EXPORTER_OTLP_PROTOCOL.'),
  OTEL_EXPORTER_OTLP_TIMEOUT: positiveInt(10_000).describe('ms an export may take before it is abandoned (its spans dropped and counted).'),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: z.coerce.number().int().positive().optional().describe('ms a trace export may take, over OTEL_EXPORTER_OTLP_TIMEOUT.'),
  OTEL_SERVICE_NAME: z.string().min(1).default('llmgw-gateway').describe('`service.name` of the spans.'),
  OTEL_TRACES_SAMPLER: z.enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']).default('parentbased_always_on').describe('always_on, always_off, traceidratio, or parentbased_* of those (the default: parentbased_always_on).'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1).describe('The ratio of the *traceidratio samplers, 0…1.'),
  OTEL_BSP_SCHEDULE_DELAY: positiveInt(5000).describe('ms between two exports of the spans queued.'),
  OTEL_BSP_MAX_QUEUE_SIZE: positiveInt(2048).describe('Most spans waiting for export; past it new spans are dropped (and counted), never waited for.'),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInt(512).describe('Most spans per export.'),
  GW_TRACE_CAPTURE_CONTENT: flag.default(false).describe('Put the request\'s messages (prompt text) on the request span as `gen_ai.input.messages`. Off: no prompt or completion text in any span.'),
};

type OtelConfig = z.infer<z.ZodObject<typeof OTEL_CONFIG_SHAPE>>;

/** What the tracer needs, resolved from the variables. */
export interface TraceSettings {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  serviceName: string;
  sampler: OtelConfig['OTEL_TRACES_SAMPLER'];
  ratio: number;
  delayMs: number;
  maxQueue: number;
  maxBatch: number;
  captureContent: boolean;
  /** The protocol asked for was http/protobuf: JSON is sent (worth a line in the log). */
  jsonInsteadOfProtobuf: boolean;
}

/** The trace settings, or null when traces are off (the default). */
export function traceSettings(c: OtelConfig): TraceSettings | null {
  if (c.OTEL_SDK_DISABLED || c.OTEL_TRACES_EXPORTER === 'none') return null;
  const base = c.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (url === undefined && c.OTEL_TRACES_EXPORTER !== 'otlp') return null;
  return {
    url: url ?? 'http://localhost:4318/v1/traces',
    headers: { ...c.OTEL_EXPORTER_OTLP_HEADERS, ...c.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    timeoutMs: c.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? c.OTEL_EXPORTER_OTLP_TIMEOUT,
    serviceName: c.OTEL_SERVICE_NAME,
    sampler: c.OTEL_TRACES_SAMPLER,
    ratio: c.OTEL_TRACES_SAMPLER_ARG,
    delayMs: c.OTEL_BSP_SCHEDULE_DELAY,
    maxQueue: c.OTEL_BSP_MAX_QUEUE_SIZE,
    maxBatch: Math.min(c.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, c.OTEL_BSP_MAX_QUEUE_SIZE),
    captureContent: c.GW_TRACE_CAPTURE_CONTENT,
    jsonInsteadOfProtobuf: (c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? c.OTEL_EXPORTER_OTLP_PROTOCOL) === 'http/protobuf',
  };
}
