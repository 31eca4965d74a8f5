import type { ApiFormat } from '../anthropic/anthropic-errors.js';
import { validateCountTokensRequest, validateMessagesRequest } from '../anthropic/validate-anthropic-request.js';

/** How the body of an endpoint is read and what its response looks like. */
export interface Endpoint {
  /** Path after `/v1`. */
  path: string;
  /** `json`: model in the JSON body; `multipart`: model in a form field. */
  body: 'json' | 'multipart';
  /** May the client ask for `stream: true`? */
  streams: boolean;
  /** Response is JSON whose `model` field is rewritten to the public name. */
  jsonResponse: boolean;
  /** The API the client speaks (its errors come back in that shape). Default `openai`. */
  format?: ApiFormat;
  /** Checks of the parsed JSON body beyond `model` (throw a 400 GatewayError). */
  validate?(body: Record<string, unknown>): void;
}

/** Every POST endpoint routed by model, as the path after `/v1`. */
export const ENDPOINT_PATHS = [
  '/chat/completions',
  '/completions',
  '/embeddings',
  '/responses',
  '/moderations',
  '/images/generations',
  '/audio/speech',
  '/audio/transcriptions',
  '/audio/translations',
  '/messages',
  '/messages/count_tokens',
] as const;
export type EndpointPath = (typeof ENDPOINT_PATHS)[number];

const list: Array<Endpoint & { path: EndpointPath }> = [
  { path: '/chat/completions', body: 'json', streams: true, jsonResponse: true },
  { path: '/completions', body: 'json', streams: true, jsonResponse: true },
  { path: '/embeddings', body: 'json', streams: false, jsonResponse: true },
  { path: '/responses', body: 'json', streams: true, jsonResponse: true },
  { path: '/moderations', body: 'json', streams: false, jsonResponse: true },
  { path: '/images/generations', body: 'json', streams: false, jsonResponse: false },
  { path: '/audio/speech', body: 'json', streams: false, jsonResponse: false },
  { path: '/audio/transcriptions', body: 'multipart', streams: false, jsonResponse: false },
  { path: '/audio/translations', body: 'multipart', streams: false, jsonResponse: false },
  { path: '/messages', body: 'json', streams: true, jsonResponse: true, format: 'anthropic', validate: validateMessagesRequest },
  { path: '/messages/count_tokens', body: 'json', streams: false, jsonResponse: true, format: 'anthropic', validate: validateCountTokensRequest },
];

/** POST endpoints routed by model, keyed by the path after `/v1`. */
export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map(list.map((e) => [e.path, e]));

/** Strip a known API prefix: `/openai/v1/chat/completions` → `/chat/completions`; null if none. */
export function stripApiPrefix(path: string): string | null {
  if (path.startsWith('/v1/')) return path.slice(3);
  if (path.startsWith('/openai/v1/')) return path.slice(10);
  if (path.startsWith('/anthropic/v1/')) return path.slice(13);
  return null;
}
