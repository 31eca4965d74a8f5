import type { Provider, ProviderType } from './schemas.js';

/** A header that carries a secret: its lower-case name and the text before the secret. */
export interface AuthForm {
  header: string;
  prefix: string;
}

const BEARER: AuthForm = { header: 'authorization', prefix: 'Bearer ' };

/**
 * How a provider type sends its secret under `auth_type: bearer` (the default): OpenAI and
 * compatible APIs `Authorization: Bearer <secret>`, Anthropic `x-api-key: <secret>`, Azure
 * OpenAI `api-key: <secret>`, Gemini `x-goog-api-key: <secret>`. gwctl's own upstream calls
 * use it; the gateway's adapters say the same (checked by providers/adapters.test.ts).
 */
export function defaultAuthForm(type: ProviderType): AuthForm {
  switch (type) {
    case 'anthropic':
      return { header: 'x-api-key', prefix: '' };
    case 'azure':
      return { header: 'api-key', prefix: '' };
    case 'gemini':
      return { header: 'x-goog-api-key', prefix: '' };
    default:
      return BEARER;
  }
}

/**
 * The one header carrying a provider's secret upstream, as `[lower-case name, value]`; null
 * when none is sent (`auth_type: none`, or no secret):
 * - `bearer`: the type's own form (`family`, see defaultAuthForm);
 * - `header`: `auth_header: <auth_prefix><secret>`, e.g. `api-key: <s>`, `x-goog-api-key: <s>`,
 *   `Authorization: Token <s>` (llm-gateway-lite's `auth: {mode, header, prefix}`).
 */
export function providerAuthHeader(
  p: Pick<Provider, 'auth_type' | 'auth_header' | 'auth_prefix'>,
  secret: string | undefined,
  family: AuthForm = BEARER,
): [string, string] | null {
  if (!secret || p.auth_type === 'none') return null;
  if (p.auth_type === 'header') return [p.auth_header!.toLowerCase(), `${p.auth_prefix ?? ''}${secret}`];
  return [family.header, `${family.prefix}${secret}`];
}
