import type { ProviderType } from '@llmgw/core';
import type { Logger } from '../logger.js';
import type { Attempt, RequestContext } from '../request-context.js';
import type { GatewayStats } from '../stats.js';
import type { TraceSettings } from './otel-config.js';
import type { AttrValue, SpanRecord } from './otlp-json.js';
import { SpanExporter } from './span-exporter.js';
import { GATEWAY_VERSION } from './status.js';
import { newSpanId, newTraceId, parseTraceparent, sampled } from './trace-context.js';

/** `gen_ai.provider.name` of each provider type (OpenTelemetry GenAI semantic conventions). */
const GENAI_PROVIDER = { openai: 'openai', anthropic: 'anthropic', azure: 'azure.ai.openai', gemini: 'gcp.gemini' } satisfies Record<ProviderType, string>;

/** `gen_ai.operation.name` of an endpoint (its path otherwise). */
function operationOf(endpointPath: string): string {
  if (endpointPath === '/chat/completions' || endpointPath === '/messages' || endpointPath === '/responses') return 'chat';
  if (endpointPath === '/completions') return 'text_completion';
  if (endpointPath === '/embeddings') return 'embeddings';
  return endpointPath.replace(/^\//, '');
}

const epochMs = (t: number): number => performance.timeOrigin + t;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The client's messages as the GenAI conventions' `gen_ai.input.messages` (only with GW_TRACE_CAPTURE_CONTENT). */
function inputMessages(body: Record<string, unknown> | null): string | undefined {
  if (!body) return undefined;
  const v = body.messages ?? body.input ?? body.prompt;
  return v === undefined ? undefined : JSON.stringify(body.system === undefined ? v : { system: body.system, messages: v });
}

/**
 * One span per request (kind server) with the GenAI semantic-convention attributes, and one
 * child span per upstream attempt (kind client), whose id goes upstream in `traceparent`.
 * An incoming `traceparent` is the request span's parent; the sampler decides as
 * OTEL_TRACES_SAMPLER says. Spans are built once the request is over, from its context.
 */
export class RequestTracer {
  readonly exporter: SpanExporter;

  constructor(private readonly s: TraceSettings, log: Logger, stats: GatewayStats, pod: string | undefined) {
    const resource: Record<string, AttrValue> = { 'service.name': s.serviceName, 'service.version': GATEWAY_VERSION, 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'llmgw' };
    if (pod) resource['service.instance.id'] = pod;
    this.exporter = new SpanExporter(s, resource, { name: 'llmgw-gateway', version: GATEWAY_VERSION }, log, stats);
  }

  /** At the start of a request: its trace ids when it is sampled (else `ctx.trace` stays null). */
  start(ctx: RequestContext): void {
    const parent = parseTraceparent(ctx.req.headers.traceparent);
    const traceId = parent?.traceId ?? newTraceId();
    if (!sampled(this.s, parent, traceId)) return;
    ctx.trace = { traceId, spanId: newSpanId(), parentSpanId: parent?.spanId ?? null };
  }

  /** When the request is over (usage and cost final): its spans, queued for export. */
  end(ctx: RequestContext): void {
    const t = ctx.trace;
    if (!t) return;
    const op = operationOf(ctx.endpoint.path);
    const end = epochMs(ctx.tEnd || performance.now());
    const served = ctx.served?.provider.type;
    const body = ctx.body;
    const failed = ctx.status >= 400 || ctx.error !== null;
    const spans: SpanRecord[] = [
      {
        traceId: t.traceId,
        spanId: t.spanId,
        parentSpanId: t.parentSpanId ?? undefined,
        name: ctx.publicModel ? `${op} ${ctx.publicModel}` : op,
        kind: 'server',
        startMs: epochMs(ctx.t0),
        endMs: end,
        error: failed ? (ctx.errorCode ?? ctx.error ?? `HTTP ${ctx.status}`) : undefined,
        attributes: {
          'gen_ai.operation.name': op,
          'gen_ai.provider.name': served ? GENAI_PROVIDER[served] : undefined,
          'gen_ai.system': served ? GENAI_PROVIDER[served] : undefined,
          'gen_ai.request.model': ctx.publicModel || undefined,
          'gen_ai.response.model': ctx.served?.model,
          'gen_ai.request.max_tokens': num(body?.max_tokens) ?? num(body?.max_completion_tokens) ?? num(body?.max_output_tokens),
          'gen_ai.request.temperature': num(body?.temperature),
          'gen_ai.request.top_p': num(body?.top_p),
          'gen_ai.usage.input_tokens': ctx.usage?.promptTokens,
          'gen_ai.usage.output_tokens': ctx.usage?.completionTokens,
          'gen_ai.usage.cache_read.input_tokens': ctx.usage?.cachedTokens || undefined,
          'gen_ai.input.messages': this.s.captureContent ? inputMessages(body) : undefined,
          'http.request.method': ctx.req.method,
          'http.route': ctx.endpoint.path,
          'url.path': ctx.req.path,
          'http.response.status_code': ctx.status || undefined,
          'error.type': failed ? (ctx.errorCode ?? String(ctx.status)) : undefined,
          'llmgw.request_id': ctx.id,
          'llmgw.key.name': ctx.key?.name,
          'llmgw.stream': ctx.stream,
          'llmgw.attempts': ctx.attempts.length,
          'llmgw.cost_usd': ctx.costUsd ?? undefined,
          'llmgw.usage.estimated': ctx.usage?.estimated,
          'llmgw.client_aborted': ctx.clientAborted || undefined,
        },
      },
    ];
    for (const a of ctx.attempts) if (a.spanId) spans.push(this.attemptSpan(ctx, a, op, end));
    this.exporter.add(spans);
  }

  private attemptSpan(ctx: RequestContext, a: Attempt, op: string, requestEnd: number): SpanRecord {
    const provider = ctx.targets.find((x) => x.provider.name === a.provider)?.provider;
    let host: string | undefined;
    try {
      host = provider ? new URL(provider.base_url).hostname : undefined;
    } catch {
      host = undefined;
    }
    return {
      traceId: ctx.trace!.traceId,
      spanId: a.spanId!,
      parentSpanId: ctx.trace!.spanId,
      name: `${op} ${a.model}`,
      kind: 'client',
      startMs: epochMs(a.startedAt ?? ctx.t0),
      endMs: a.endedAt ? epochMs(a.endedAt) : requestEnd,
      error: a.error,
      attributes: {
        'gen_ai.operation.name': op,
        'gen_ai.provider.name': provider ? GENAI_PROVIDER[provider.type] : undefined,
        'gen_ai.request.model': a.model,
        'server.address': host,
        'http.response.status_code': a.status,
        'error.type': a.error,
        'llmgw.provider': a.provider,
        'llmgw.secret_index': a.secretIndex,
        'llmgw.timeout': a.timeout,
      },
    };
  }
}
