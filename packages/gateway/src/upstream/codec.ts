import type { ProviderType } from '@llmgw/core';
import { ANTHROPIC_CODECS } from '../anthropic/codecs.js';
import type { GatewayError } from '../errors.js';
import type { Endpoint } from '../pipeline/endpoints.js';
import type { RequestContext, Usage } from '../pipeline/context.js';

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
}

/**
 * How one (client API × upstream provider type) pair is spoken: the upstream path and body,
 * and the conversion of the response, the stream and error bodies back to the client's API.
 * No codec (null) is the identity: the body goes as is with `model` renamed, which keeps the
 * OpenAI→OpenAI hot path free of any parsing.
 */
export interface Codec {
  /** Upstream path after the provider's base path. */
  path: string;
  /** Forward the client's query string (passthrough only: a converted request has no use for it). */
  keepQuery: boolean;
  /** The upstream body from the client's parsed body (plus stage patches); absent: identity. */
  requestBody?(body: Record<string, unknown>, upstreamModel: string): string;
  /** A non-stream JSON response in the client's API (parsed once here). */
  responseBody?(text: string, publicModel: string): { text: string; usage: Usage | null };
  /** The stream relay to use instead of the plain SSE relay. */
  stream?(o: StreamRelayOptions): StreamRelay;
  /** An upstream error body in the client's API. */
  errorBody?(status: number, text: string): string;
  /** Answer without calling the upstream (status 200, JSON body). */
  localResponse?(ctx: RequestContext): Promise<string>;
}

/** The codec for a request to a provider of this type, or null for the identity. */
export function codecFor(endpoint: Endpoint, type: ProviderType): Codec | null {
  return ANTHROPIC_CODECS[type][endpoint.path] ?? null;
}

/** Answer from the codec itself (no upstream call): a 200 JSON body; usage is nil, no model ran. */
export async function answerLocally(ctx: RequestContext, codec: Codec): Promise<void> {
  const body = await codec.localResponse!(ctx);
  ctx.tFirstByte = performance.now();
  ctx.usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
  if (ctx.res.aborted) return;
  ctx.status = 200;
  ctx.res.send(200, { 'content-type': 'application/json', 'x-request-id': ctx.id, ...ctx.responseHeaders }, body);
}
