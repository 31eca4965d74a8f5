import type { DocumentIssue, ProviderEntry } from '../registry-document.js';
import { isRecord, warnUnknown } from './imported-config.js';

/** How a provider's secret is sent, as this registry writes it. */
export interface MappedAuth {
  fields: Pick<ProviderEntry, 'auth_type' | 'auth_header'>;
  /** Put before every secret: a header prefix other than `Bearer ` travels inside the secret. */
  secretPrefix: string;
}

const MODES = ['bearer', 'header', 'api-key', 'api_key', 'none'];

/**
 * llm-gateway-lite's `auth: {mode, header, prefix}` (`Authorization` + `Bearer `, `api-key`
 * without prefix, `x-goog-api-key`, or mode `none`) as this registry's `auth_type` and
 * `auth_header`. A prefix other than `Bearer ` on any header is kept by putting it in front of
 * each secret, sent verbatim in that header. The only place that knows both shapes.
 */
export function mapLiteAuth(auth: unknown, at: DocumentIssue['path'], warnings: DocumentIssue[]): MappedAuth {
  if (auth === undefined || auth === null) return { fields: {}, secretPrefix: '' };
  if (!isRecord(auth)) {
    warnings.push({ path: at, message: 'not a mapping of mode, header, prefix; the secret is sent as Authorization: Bearer' });
    return { fields: {}, secretPrefix: '' };
  }
  warnUnknown(auth, ['mode', 'header', 'prefix'], at, warnings);
  const mode = typeof auth.mode === 'string' ? auth.mode.toLowerCase() : 'bearer';
  if (!MODES.includes(mode)) warnings.push({ path: [...at, 'mode'], message: `mode ${String(auth.mode)} is not known here; header and prefix are used as given` });
  if (mode === 'none') return { fields: { auth_type: 'none' }, secretPrefix: '' };
  const header = typeof auth.header === 'string' && auth.header !== '' ? auth.header : 'Authorization';
  const isAuthorization = header.toLowerCase() === 'authorization';
  const prefix = typeof auth.prefix === 'string' ? auth.prefix : isAuthorization && mode === 'bearer' ? 'Bearer ' : '';
  if (isAuthorization && prefix.trim().toLowerCase() === 'bearer') return { fields: { auth_type: 'bearer' }, secretPrefix: '' };
  return { fields: { auth_type: 'header', auth_header: header }, secretPrefix: prefix };
}
