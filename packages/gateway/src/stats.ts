/** How the client is connected: an HTTP request, or a response.create on a Responses API WebSocket. */
type ClientTransport = 'http' | 'websocket';

/**
 * Plain counters the pipeline modules increment and the metrics module exports.
 * No metrics library on the hot path: an increment is a property write.
 */
export interface GatewayStats {
  /** Upstream attempts beyond the first, per request. */
  failovers: number;
  /** Attempts that retried the same target (another secret or after Retry-After). */
  retries: number;
  /** A secret or target entered a cooldown (this pod decided it). */
  cooldownsEntered: number;
  /** Requests refused by rate limits (rpm, tpm, concurrency). */
  rateLimited: number;
  /** Requests refused because a budget is spent. */
  budgetRefused: number;
  /** Leases of limit capacity granted to this pod, and requests admitted from them with no Redis call. */
  leasesGranted: number;
  leaseAdmissions: number;
  /** Requests of keys with a budget served by a model with no price (GW_UNPRICED_MODELS=serve): their spend counts 0. */
  unpricedServed: number;
  /** Usage events written to Redis. */
  usageEventsWritten: number;
  /** Usage events waiting in memory for Redis (a gauge). */
  usageEventsBuffered: number;
  /** Usage events that did not fit the in-memory buffer. */
  usageEventsDropped: number;
  /** Usage records sent to Redis again after a write that failed or whose reply never came. */
  usageWriteRetries: number;
  /** Usage writes Redis had already applied (a retry of a write whose reply was lost): skipped, not counted twice. */
  usageDuplicatesSkipped: number;
  /** Requests whose usage estimate or accounting threw after the response (their usage is lost). */
  usageAccountingErrors: number;
  /** Redis commands that failed on the hot path. */
  redisErrors: number;
  /** SSE streams being relayed now (a gauge). */
  openStreams: number;
  /** Times a stream's upstream was paused because its client read slower than it wrote, by transport. */
  clientPauses: Record<ClientTransport, number>;
  /** Streams whose upstream is paused now, waiting for their client's socket to drain (a gauge), by transport. */
  streamsPausedForClient: Record<ClientTransport, number>;
  /** Trace spans sent to the OTLP receiver, and lost (queue full, export failed or timed out). */
  traceSpansExported: number;
  traceSpansDropped: number;
}

export function createStats(): GatewayStats {
  return {
    failovers: 0,
    retries: 0,
    cooldownsEntered: 0,
    rateLimited: 0,
    budgetRefused: 0,
    leasesGranted: 0,
    leaseAdmissions: 0,
    unpricedServed: 0,
    usageEventsWritten: 0,
    usageEventsBuffered: 0,
    usageEventsDropped: 0,
    usageWriteRetries: 0,
    usageDuplicatesSkipped: 0,
    usageAccountingErrors: 0,
    redisErrors: 0,
    openStreams: 0,
    clientPauses: { http: 0, websocket: 0 },
    streamsPausedForClient: { http: 0, websocket: 0 },
    traceSpansExported: 0,
    traceSpansDropped: 0,
  };
}
