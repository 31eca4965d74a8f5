import type { Provider, ProviderType } from '@llmgw/core';
import type { EndpointPath } from '../pipeline/endpoints.js';

/**
 * What differs between upstream API families, as data plus small pure functions.
 * `satisfies Record<ProviderType, ProviderAdapter>` in ./index.ts makes a missing one a compile error.
 */
export interface ProviderAdapter {
  id: ProviderType;
  /** Headers carrying the upstream secret (none when `auth_type` is `none` or no secret). */
  authHeaders(provider: Provider, secret: string | undefined): Record<string, string>;
  /** Headers every request to this family carries. */
  staticHeaders: Record<string, string>;
  /**
   * The client endpoints a provider of this type can serve, natively or through a codec
   * (upstream/codec.ts). A request on any other endpoint never goes to it.
   */
  endpoints: readonly EndpointPath[];
}
