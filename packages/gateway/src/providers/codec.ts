import type { GatewayError } from '../errors/catalog.js';
import type { RequestContext, Usage } from '../request-context.js';

/** Relays an upstream SSE stream to the client, converting or renaming as it goes. */
export interface StreamRelay {
  /** Bytes to send to the client now (null when nothing is complete yet). */
  push(chunk: Buffer): Buffer | string | null;
  /** The upstream ended normally: whatever is left. */
  flush(): Buffer | string | null;
  /** The upstream failed after the first byte: what ends the client's stream (default: flush + an error event in the client's format). */
  fail?(err: GatewayError): string;
}

interface StreamRelayOptions {
  upstreamModel: string;
  publicModel: string;
  /** The client asked for usage in the stream. */
  clientWantsUsage: boolean;
  onUsage(u: Usage): void;
  /** The upstream reported an error inside its 2xx stream (an error event); the relay still passes it on, converted. */
  onErrorEvent(): void;
  /** The client's parsed body (a converted stream echoes its settings, as the Responses API does); null when not known. */
  request?: Record<string, unknown> | null;
}

/**
 * How a client endpoint is served through another upstream API: the upstream endpoint and
 * body, and the conversion of the response, the stream and error bodies back to the client's
 * API. A provider adapter lists, per client endpoint it serves, `native` (the identity: the
 * body goes as is with `model` renamed, which keeps the hot path free of any parsing) or a
 * codec. Codecs between two client formats live with the formats (formats/*); a codec to a
 * provider's own API lives in its folder (providers/<type>/).
 */
export interface Codec {
  /** The upstream endpoint the request goes to (the adapter's `url` turns it into a path). */
  upstream: string;
  /** Forward the client's query string (passthrough only: a converted request has no use for it). */
  keepQuery: boolean;
  /** The upstream body from the client's parsed body (plus stage patches); absent: identity. */
  requestBody?(body: Record<string, unknown>, upstreamModel: string): string;
  /**
   * A non-stream JSON response in the client's API (parsed once here). `request` is the
   * client's parsed body, for answers whose shape the client chose (an embedding as floats or
   * base64); null when not known (the inner codec of a composition).
   */
  responseBody?(text: string, publicModel: string, request: Record<string, unknown> | null): { text: string; usage: Usage | null };
  /** The stream relay to use instead of the plain SSE relay. */
  stream?(o: StreamRelayOptions): StreamRelay;
  /** An upstream error body in the client's API. */
  errorBody?(status: number, text: string): string;
  /**
   * What an upstream error answer stands for when its status and headers alone do not say it:
   * the status that failover and cooldowns go by (Gemini refuses a wrong key with a 400
   * `API_KEY_INVALID`: a 401 of the secret, not the request's fault) and the wait the upstream
   * asks for (Gemini gives it in the body, not in Retry-After). Absent: the status as it came,
   * the wait from Retry-After.
   */
  errorFacts?(status: number, text: string): { status?: number; retryAfterMs?: number };
  /** Answer without calling the upstream (status 200, JSON body). */
  localResponse?(ctx: RequestContext): Promise<string>;
}
