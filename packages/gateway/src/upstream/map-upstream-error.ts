import { Errors, type GatewayError } from '../errors/catalog.js';
import type { TimeoutPhase } from '../request-context.js';
import { ProxyError } from './h1/errors.js';
import { tlsFailure } from './h1/tls-failure.js';

/**
 * Map an upstream client error to our catalog by its stable code, never by message text. The
 * native client (h1/errors.ts) uses undici's codes, so one switch serves both.
 */
export function mapUpstreamError(err: Error & { code?: string }, provider: string): GatewayError {
  const tls = tlsFailure(err);
  if (tls !== null) return Errors.upstreamTls(provider, tls.kind, tls.reason);
  if (err instanceof ProxyError) return Errors.upstreamProxy(provider, err.proxy, err.reason);
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return Errors.upstreamTimeout(provider, 'connect');
    case 'UND_ERR_HEADERS_TIMEOUT':
      return Errors.upstreamTimeout(provider, 'waiting for response headers');
    case 'UND_ERR_BODY_TIMEOUT':
      return Errors.upstreamTimeout(provider, 'idle between chunks');
    case 'GW_TOTAL_TIMEOUT':
      return Errors.upstreamTimeout(provider, 'total deadline');
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'UND_ERR_CONNECT':
      return Errors.upstreamConnect(provider);
    default:
      return Errors.upstreamProtocol(provider);
  }
}

/** The deadline an upstream client error stands for, if it is one. */
export function timeoutPhase(err: { code?: string }): TimeoutPhase | undefined {
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'first_byte';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'idle';
    case 'GW_TOTAL_TIMEOUT':
      return 'total';
    default:
      return undefined;
  }
}

/**
 * The gateway itself ended the call: its upstream pools were closed or destroyed (the drain
 * deadline at shutdown). Says nothing about the provider's health.
 */
export function endedByGateway(err: { code?: string }): boolean {
  return err.code === 'UND_ERR_DESTROYED' || err.code === 'UND_ERR_CLOSED';
}

/** Error raised when our own whole-request deadline fires. */
export class TotalTimeoutError extends Error {
  readonly code = 'GW_TOTAL_TIMEOUT';
}

/** Error used to abort the upstream call when the client went away. */
export class ClientAbortedError extends Error {
  readonly code = 'GW_CLIENT_ABORTED';
}
