import type { Provider, ProviderType } from '@llmgw/core';
import type { EndpointPath } from '../api/endpoints.js';
import type { Codec } from './codec.js';

/** Where one upstream call goes, as the adapter's `url` needs it. */
export interface UpstreamUrlInput {
  provider: Provider;
  /** The upstream model (a deployment, for Azure). */
  upstreamModel: string;
  /** The upstream endpoint: the client's own, or the one its codec converts to. */
  endpoint: string;
  /** The client asked for a streamed answer. */
  stream: boolean;
  /** The client's query string, '' when none (forwarded only for native endpoints). */
  query: string;
}

/**
 * One provider type: how to reach it and what it can serve, mostly data. Registered in
 * `./index.ts`, where `satisfies Record<ProviderType, ProviderAdapter>` makes a missing one a
 * compile error. A new provider type is a folder `providers/<type>/` exporting one of these,
 * plus one line in that table.
 */
export interface ProviderAdapter {
  id: ProviderType;
  /** Headers carrying the upstream secret (none when `auth_type` is `none` or no secret). */
  authHeaders(provider: Provider, secret: string | undefined): Record<string, string>;
  /** Headers every request to this family carries. */
  staticHeaders: Record<string, string>;
  /**
   * The path (and query) of an upstream call after the provider's base URL path. Absent:
   * the endpoint itself, with the client's query.
   */
  url?(u: UpstreamUrlInput): string;
  /**
   * The client endpoints a provider of this type serves, and how: `native` (the client's body
   * as is, `model` renamed) or through a codec. A request on any other endpoint never goes to it.
   */
  serves: Partial<Record<EndpointPath, Codec | 'native'>>;
  /**
   * How one provider's own settings change `serves` for an endpoint it serves (an `openai`
   * provider with `responses_api: chat` serves `/responses` through chat completions);
   * undefined: as `serves` says.
   */
  servesFor?(provider: Provider, path: EndpointPath): Codec | 'native' | undefined;
}
