/**
 * Errors of the HTTP/1.1 client. Each carries undici's code for the same failure, so
 * `map-upstream-error.ts` maps both clients with one switch; socket errors (ECONNREFUSED,
 * ECONNRESET, TLS certificate errors, …) pass through with Node's own code.
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
