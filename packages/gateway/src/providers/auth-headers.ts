import { providerAuthHeader, type Provider } from '@llmgw/core';

/**
 * The provider's auth header (core's providerAuthHeader: `auth_type`, `auth_header`,
 * `auth_prefix`). `bearerHeader` is the provider type's own form for `auth_type: bearer`:
 * `authorization` sends `Authorization: Bearer <secret>`, any other header the bare secret.
 */
export function authHeadersFor(provider: Provider, secret: string | undefined, bearerHeader = 'authorization'): Record<string, string> {
  const h = providerAuthHeader(provider, secret, { header: bearerHeader, prefix: bearerHeader === 'authorization' ? 'Bearer ' : '' });
  return h === null ? {} : { [h[0]]: h[1] };
}
