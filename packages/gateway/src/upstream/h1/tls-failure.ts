/**
 * What a TLS failure says, read from the error's stable code, never its message. Both clients
 * report these errors as Node raises them (undici passes them through, and so does ours), so one
 * reading serves both: certificate verification (OpenSSL's X509_V_ERR_* names as Node codes
 * them, and Node's own host name check), and handshake or record errors (`ERR_SSL_*`: alerts
 * from the server, a non-TLS answer, no protocol version in common, …).
 */
export interface TlsFailure {
  /** `certificate`: ours refused theirs; `handshake`: the TLS exchange itself failed. */
  kind: 'certificate' | 'handshake';
  /** A short reason with the code, the same for every failure of that code (no host names). */
  reason: string;
}

/** Node's codes for certificate verification failures, with a phrase for the usual ones. */
const CERTIFICATE_CODES: Record<string, string | null> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain (a CA that is not trusted here)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate (its issuer is not trusted here, or the server leaves out an intermediate certificate)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get the local issuer certificate (its CA is not trusted here)',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get the issuer certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate is not valid for the upstream's host name",
  HOSTNAME_MISMATCH: "certificate is not valid for the upstream's host name",
  CERT_REVOKED: 'certificate revoked',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'certificate not meant for a TLS server',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  UNABLE_TO_GET_CRL: null,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: null,
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: null,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: null,
  CRL_SIGNATURE_FAILURE: null,
  CRL_NOT_YET_VALID: null,
  CRL_HAS_EXPIRED: null,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: null,
  ERROR_IN_CERT_NOT_AFTER_FIELD: null,
  ERROR_IN_CRL_LAST_UPDATE_FIELD: null,
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: null,
  UNSPECIFIED: null,
};

/** `ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION` → `tlsv1 alert protocol version`: OpenSSL's reason string. */
const spelled = (code: string, prefix: number): string => code.slice(prefix).toLowerCase().replace(/_/g, ' ');

/** The TLS failure `err` reports, or null when it is not one. */
export function tlsFailure(err: { code?: unknown }): TlsFailure | null {
  const code = err.code;
  if (typeof code !== 'string') return null;
  if (Object.hasOwn(CERTIFICATE_CODES, code)) {
    return { kind: 'certificate', reason: `${CERTIFICATE_CODES[code] ?? spelled(code, 0)} (${code})` };
  }
  if (code.startsWith('ERR_SSL_')) return { kind: 'handshake', reason: `${spelled(code, 8)} (${code})` };
  return null;
}
