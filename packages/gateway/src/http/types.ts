import type { GatewayError } from '../errors/catalog.js';
import type { GatewayRequest, ResponseSink } from '../request-context.js';

export type { GatewayRequest, ResponseSink };

/** What is known of a request before its body: method, path, headers and when it arrived. */
type RequestHead = Pick<GatewayRequest, 'method' | 'path' | 'headers' | 'receivedAt'>;

/**
 * Asked by the listener when it refuses a request itself while reading its body (413, 408):
 * the body of the answer, in the API shape of the request's route. Called once per refusal
 * actually sent, so it is also where the refusal is counted and logged. `reqId` is the
 * `x-request-id` of the answer.
 */
export type BodyRefusal = (head: RequestHead, err: GatewayError, reqId: string) => string;
