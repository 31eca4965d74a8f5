import type { DocumentIssue, ProviderEntry } from '../registry-document.js';
import { isRecord, warnUnknown } from './imported-config.js';

/** How a provider's secret is sent, as this registry writes it. */
export interface MappedAuth {
  fields: Pick<ProviderEntry, 'auth_type' | 'auth_header' | 'auth_prefix'>;
}

const MODES = ['bearer', 'header', 'api-key', 'api_key', 'none'];

/**
 * llm-gateway-lite's `auth: {mode, header, prefix}` (`Authorization` + `Bearer `, `api-key`
 * without prefix, `x-goog-api-key`, or mode `none`) as this registry's `auth_type`,
 * `auth_header` and `auth_prefix` (`Authorization` + `Bearer ` is `auth_type: bearer`; any other
 * header or prefix is `auth_type: header` with that header and prefix, sent verbatim). The only
 * place that knows both shapes.
 */
export function mapLiteAuth(auth: unknown, at: DocumentIssue['path'], warnings: DocumentIssue[]): MappedAuth {
  if (auth === undefined || auth === null) return { fields: {} };
  if (!isRecord(auth)) {
    warnings.push({ path: at, message: 'not a mapping of mode, header, prefix; the secret is sent as Authorization: Bearer' });
    return { fields: {} };
  }
  warnUnknown(auth, ['mode', 'header', 'prefix'], at, warnings);
  const mode = typeof auth.mode === 'string' ? auth.mode.toLowerCase() : 'bearer';
  if (!MODES.includes(mode)) warnings.push({ path: [...at, 'mode'], message: `mode ${String(auth.mode)} is not known here; header and prefix are used as given` });
  if (mode === 'none') return { fields: { auth_type: 'none' } };
  const header = typeof auth.header === 'string' && auth.header !== '' ? auth.header : 'Authorization';
  const isAuthorization = header.toLowerCase() === 'authorization';
  const prefix = typeof auth.prefix === 'string' ? auth.prefix : isAuthorization && mode === 'bearer' ? 'Bearer ' : '';
  if (isAuthorization && prefix.trim().toLowerCase() === 'bearer') return { fields: { auth_type: 'bearer' } };
  return { fields: { auth_type: 'header', auth_header: header, ...(prefix === '' ? {} : { auth_prefix: prefix }) } };
}
