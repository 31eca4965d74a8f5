import type { GatewayError } from '../errors.js';

/** What the pipeline sees of a request: plain data, copied out of uWS before any await. */
export interface GatewayRequest {
  /** Upper-case method. */
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** performance.now() when the request arrived. */
  receivedAt: number;
}

/** What the pipeline writes to: a small interface over uWS's HttpResponse. */
export interface ResponseSink {
  /** The client went away; nothing may be written any more. */
  readonly aborted: boolean;
  /** Status and headers were sent. */
  readonly headersSent: boolean;
  /** Called once when the client goes away before the response ended. */
  onAbort(cb: () => void): void;
  /** A whole response in one go. */
  send(status: number, headers: Record<string, string>, body: string | Uint8Array): void;
  /** Start a streamed response. */
  writeHead(status: number, headers: Record<string, string>): void;
  /** Write a chunk; false means the socket is backed up: wait for `onDrain`. */
  write(chunk: string | Uint8Array): boolean;
  /** Called once when a backed-up socket can take more. */
  onDrain(cb: () => void): void;
  end(chunk?: string | Uint8Array): void;
  /** Run `fn`; the writes it makes leave together (one packet) when it returns. */
  batch(fn: () => void): void;
}

/** What is known of a request before its body: method, path, headers and when it arrived. */
type RequestHead = Pick<GatewayRequest, 'method' | 'path' | 'headers' | 'receivedAt'>;

/**
 * Asked by the listener when it refuses a request itself while reading its body (413, 408):
 * the body of the answer, in the API shape of the request's route. Called once per refusal
 * actually sent, so it is also where the refusal is counted and logged. `reqId` is the
 * `x-request-id` of the answer.
 */
export type BodyRefusal = (head: RequestHead, err: GatewayError, reqId: string) => string;
