import { redisUsesTls, type RedisTarget } from './redis-connect.js';
import { REDIS_TLS_ENV as n } from './redis-tls.js';

interface ErrorLike {
  code?: string;
  reason?: string;
  message?: string;
  errors?: unknown[];
  lastNodeError?: unknown;
}

/**
 * The error that explains a failed connection: the first of a dual-stack AggregateError,
 * the last node's error behind a Cluster's "Failed to refresh slots cache".
 */
function rootCause(e: unknown): ErrorLike {
  const err = (e ?? {}) as ErrorLike;
  if (Array.isArray(err.errors) && err.errors.length > 0) return rootCause(err.errors[0]);
  if (err.lastNodeError) return rootCause(err.lastNodeError);
  return err;
}

// Node's names for a server certificate that does not chain to a trusted CA.
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
// Alerts a server sends when it does not accept the client's certificate.
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);

// Sentinel failures carry only the message of the error behind them ("… Last error: <message>").
const BY_MESSAGE: Array<[RegExp, string]> = [
  [/self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/certificate has expired|certificate is not yet valid/i, 'CERT_HAS_EXPIRED'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/alert certificate required/i, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'],
  [/alert handshake failure/i, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'],
  [/alert (unknown ca|bad certificate|certificate unknown|access denied)/i, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'],
  [/wrong version number/i, 'ERR_SSL_WRONG_VERSION_NUMBER'],
];

function tlsCode(err: ErrorLike): string | undefined {
  const code = err.code ?? '';
  if (UNTRUSTED.has(code) || EXPIRED.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_')) return code;
  const msg = err.message ?? '';
  return BY_MESSAGE.find(([re]) => re.test(msg))?.[1];
}

/** True when a connection failed in its TLS handshake (trust, name, client certificate, not TLS at all). */
export function isTlsFailure(e: unknown): boolean {
  return tlsCode(rootCause(e)) !== undefined;
}

// ioredis's words for a connection that is already gone: the effect, never the cause.
const CONSEQUENCE = /^(Stream isn't writeable|Connection is closed|Reached the max retries per request limit)/;

/** A reset, or a connection closed without an error: no reason given. */
function isBareDrop(err: ErrorLike): boolean {
  return tlsCode(err) === undefined && (err.code === 'ECONNRESET' || err.code === 'EPIPE' || /^Connection is closed/.test(err.message ?? ''));
}

/**
 * Of two errors a client reported while failing to connect, the one that better says why:
 * never an error that only says the connection is gone over one that says why it went, nor
 * a bare reset over a TLS failure (a server that refuses a client certificate is seen to do
 * either, by timing). Anything else: the newer.
 */
export function moreTellingRedisError(current: unknown, next: unknown): unknown {
  if (current === undefined || current === null) return next;
  const cur = rootCause(current);
  const nxt = rootCause(next);
  if (CONSEQUENCE.test(nxt.message ?? '') && !CONSEQUENCE.test(cur.message ?? '')) return current;
  if (tlsCode(cur) !== undefined && isBareDrop(nxt)) return current;
  return next;
}

/** A failure under TLS that does not say why: a reset, or a connection closed without an error. */
export function isUnexplainedTlsDrop(e: unknown, t: RedisTarget): boolean {
  return redisUsesTls(t) && isBareDrop(rootCause(e));
}

/** First line of a message, without OpenSSL's "<hex>:error:<hex>:SSL routines:fn:" prefix and source location. */
function cleanMessage(err: ErrorLike): string {
  if (err.reason) return err.reason;
  // rootCause() only casts what was thrown: a thrown string has no message and is its own.
  const thrown: unknown = err;
  const msg = (err.message ?? String(thrown)).split('\n')[0]!;
  const ossl = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(msg);
  return ossl ? ossl[1]! : msg;
}

/**
 * One line that says why a Redis connection failed, for an operator: the error's code and
 * message, and for a TLS failure what it means and which setting to look at. Given the
 * target, ambiguous errors get a hint about TLS too. Never carries key material (errors carry
 * none) nor a password (ioredis errors do not quote the URL).
 */
export function describeRedisError(e: unknown, t?: RedisTarget): string {
  const err = rootCause(e);
  const msg = cleanMessage(err);
  const code = tlsCode(err);
  const plain = err.code && !msg.includes(err.code) ? `${err.code} ${msg}` : msg;
  if (!code) {
    if (!t || (err.code !== 'ETIMEDOUT' && err.code !== 'ECONNRESET')) return plain;
    if (!redisUsesTls(t)) {
      return err.code === 'ECONNRESET' ? `${plain} (a Redis that only speaks TLS resets plain connections: ${n.enabled}=1 or a rediss:// URL)` : plain;
    }
    if (err.code === 'ETIMEDOUT') return `${plain} (no TLS session in time: is the host reachable, and does this port speak TLS?)`;
    // TLS 1.3 servers check the client's certificate after the client's handshake is done: a
    // client that writes at once sees either their "certificate required" alert or a reset.
    return t.tls?.certFile
      ? `${plain} (the server closed the TLS connection; if it checks client certificates, ${n.certFile} must be signed by a CA it trusts)`
      : `${plain} (the server closed the TLS connection; if it requires a client certificate, set ${n.certFile} and ${n.keyFile})`;
  }
  const detail = err.code ? `${code}: ${msg}` : msg;
  if (UNTRUSTED.has(code)) return `TLS: the server's certificate is not signed by a trusted CA (${detail}); set ${n.caFile} to the CA that signed it`;
  if (EXPIRED.has(code)) return `TLS: the server's certificate is out of its validity period (${detail})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: the server's certificate is not valid for the name connected to (${detail}); connect by a name it carries or set ${n.servername}`;
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return `TLS: the server requires a client certificate (${detail}); set ${n.certFile} and ${n.keyFile}`;
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') return `TLS: the server refused the handshake (${detail}); it may require a client certificate (${n.certFile} and ${n.keyFile})`;
  if (CLIENT_CERT_REFUSED.has(code)) return `TLS: the server refused the client certificate (${detail}); ${n.certFile} must be signed by a CA the server trusts`;
  if (NOT_TLS.has(code)) return `TLS: the server does not speak TLS on this port (${detail})`;
  return `TLS: ${detail}`;
}
