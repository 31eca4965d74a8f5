import type { Provider } from '@llmgw/core';

/** Auth headers by the provider's `auth_type`; `defaultHeader` is the family's own header for `header`. */
export function authHeadersFor(provider: Provider, secret: string | undefined, bearerHeader = 'authorization'): Record<string, string> {
  if (!secret || provider.auth_type === 'none') return {};
  if (provider.auth_type === 'header') return { [provider.auth_header!.toLowerCase()]: secret };
  return bearerHeader === 'authorization' ? { authorization: `Bearer ${secret}` } : { [bearerHeader]: secret };
}
