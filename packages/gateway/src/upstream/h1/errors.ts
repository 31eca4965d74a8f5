import { STATUS_CODES } from 'node:http';

/**
 * Errors of the HTTP/1.1 client. Each carries undici's code for the same failure, so
 * `map-upstream-error.ts` maps both clients with one switch; socket errors (ECONNREFUSED,
 * ECONNRESET, TLS certificate errors, …) pass through with Node's own code. A proxy's failures
 * have no undici code: they are `GW_UPSTREAM_PROXY`, which the undici path raises too (agents.ts).
 */
class H1Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'H1Error';
  }
}

export const connectTimeout = (origin: string, ms: number) => new H1Error('UND_ERR_CONNECT_TIMEOUT', `connect to ${origin} timed out after ${ms} ms`);
export const headersTimeout = (ms: number) => new H1Error('UND_ERR_HEADERS_TIMEOUT', `no response headers within ${ms} ms`);
/** A first-byte timeout too: the wait for a free connection is part of the time to the first byte. */
export const noFreeConnection = (origin: string, max: number, ms: number) =>
  new H1Error('UND_ERR_HEADERS_TIMEOUT', `no connection to ${origin} came free within ${ms} ms (all ${max} allowed are busy)`);
export const bodyTimeout = (ms: number) => new H1Error('UND_ERR_BODY_TIMEOUT', `no response body data for ${ms} ms`);
/** The connection ended before the response did. */
export const socketClosed = (what: string) => new H1Error('UND_ERR_SOCKET', `upstream closed the connection ${what}`);
export const headersOverflow = (max: number) => new H1Error('UND_ERR_HEADERS_OVERFLOW', `response head larger than ${max} bytes`);
export const contentLengthMismatch = (expected: number, got: number) =>
  new H1Error('UND_ERR_RES_CONTENT_LENGTH_MISMATCH', `response body ended after ${got} of ${expected} bytes (content-length)`);
/** The response breaks HTTP/1.1 framing (llhttp's codes, as undici reports them). */
export const protocolError = (code: 'HPE_INVALID_CONSTANT' | 'HPE_INVALID_STATUS' | 'HPE_INVALID_HEADER_TOKEN' | 'HPE_INVALID_CONTENT_LENGTH' | 'HPE_UNEXPECTED_CONTENT_LENGTH' | 'HPE_INVALID_CHUNK_SIZE' | 'HPE_STRICT' | 'HPE_INVALID_TRANSFER_ENCODING', message: string) =>
  new H1Error(code, message);
export const invalidArgument = (message: string) => new H1Error('UND_ERR_INVALID_ARG', message);
export const agentClosed = () => new H1Error('UND_ERR_CLOSED', 'the upstream agent is closed');
export const agentDestroyed = () => new H1Error('UND_ERR_DESTROYED', 'the upstream agent was destroyed');

/**
 * The proxy in front of the upstream failed us: it refused the tunnel (its status to CONNECT),
 * could not be reached, or did not answer as an HTTP proxy. `proxy` names it without
 * credentials; `reason` says what happened without naming the upstream.
 */
export class ProxyError extends H1Error {
  constructor(
    readonly proxy: string,
    readonly reason: string,
    /** The upstream `host:port` asked for (for logs). */
    authority: string,
    /** Its answer to CONNECT, when it answered. */
    readonly status: number | null = null,
  ) {
    super('GW_UPSTREAM_PROXY', `proxy ${proxy}, CONNECT ${authority}: ${reason}`);
    this.name = 'ProxyError';
  }
}

/** The proxy answered CONNECT with something other than 200. */
export const proxyRefused = (proxy: string, authority: string, status: number) =>
  new ProxyError(proxy, `it answered ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''} to CONNECT`, authority, status);

/** The connection to the proxy failed before its answer to CONNECT came. */
export function proxyFailed(proxy: string, authority: string, err: Error & { code?: string }): ProxyError {
  const code = err.code ?? 'error';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return new ProxyError(proxy, `it closed the connection before answering CONNECT (${code})`, authority);
  return new ProxyError(proxy, `it could not be reached (${code})`, authority);
}

export const proxyConnectTimeout = (origin: string, proxy: string, ms: number) =>
  new H1Error('UND_ERR_CONNECT_TIMEOUT', `connect to ${origin} through the proxy ${proxy} timed out after ${ms} ms`);
