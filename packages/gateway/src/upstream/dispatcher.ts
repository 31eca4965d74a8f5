/**
 * The seam between an upstream attempt and the HTTP client behind it: the subset of undici's
 * `Dispatcher.dispatch` (new handler API) that `runAttempt` uses. Our HTTP/1.1 agent
 * (`h1/agent.ts`) implements it, and undici's `Agent` satisfies it as is (the fallback).
 */

/** Response headers and trailers: lower-cased names; a repeated header is an array, in order. */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface UpstreamDispatchOptions {
  /** `http://host[:port]` or `https://host[:port]`. */
  origin: string;
  /** Path and query, as sent on the request line. */
  path: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** `host` and `content-length` are set by the client. */
  headers: Record<string, string>;
  /** Fully buffered. */
  body: Buffer | string | null;
  /** Longest wait for the response head once the request is sent. */
  headersTimeout: number;
  /** Longest silence between two pieces of the response body. */
  bodyTimeout: number;
}

/** Handed to every callback of one request; stale once the request ended. */
export interface UpstreamController {
  /** Stop delivering body data (and reading the socket) until `resume()`. */
  pause(): void;
  resume(): void;
  /** End the request now: the socket is destroyed and `onResponseError(reason)` follows (unless it already ended). */
  abort(reason: Error): void;
}

/**
 * Callbacks of one request, in this order, each phase at most once: `onRequestStart`, then
 * `onResponseStart`, any number of `onResponseData`, and `onResponseEnd`; or
 * `onResponseError` at any point instead of what is left. Nothing follows the end or an error.
 */
export interface UpstreamHandler {
  onRequestStart?(controller: UpstreamController, context: unknown): void;
  onResponseStart?(controller: UpstreamController, statusCode: number, headers: UpstreamHeaders, statusMessage?: string): void;
  /** `chunk` is the handler's: the client never writes into it again, so it may be kept without a copy. */
  onResponseData?(controller: UpstreamController, chunk: Buffer): void;
  onResponseEnd?(controller: UpstreamController, trailers: UpstreamHeaders): void;
  onResponseError?(controller: UpstreamController, error: Error): void;
}

export interface UpstreamDispatcher {
  /** Start one request; the outcome arrives through `handler`. */
  dispatch(options: UpstreamDispatchOptions, handler: UpstreamHandler): boolean;
}

/** A dispatcher that owns connections. */
export interface UpstreamAgent extends UpstreamDispatcher {
  /** Let the requests in flight finish, then close every connection. */
  close(): Promise<void>;
  /** Abort the requests in flight and close every connection now. */
  destroy(): Promise<void>;
}
