import type { Endpoint } from '../request-context.js';
import { validateCountTokensRequest, validateMessagesRequest } from '../formats/anthropic-messages/validate-anthropic-request.js';

export type { Endpoint };

/**
 * The route table of the API: every endpoint the gateway serves, with the facts the router,
 * the pipeline, the providers' `serves` lists, the models list, metrics and the docs read.
 * Everything is served under `/v1`, `/openai/v1` and `/anthropic/v1` (stripApiPrefix).
 */

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

type Routed = Omit<Endpoint, 'method' | 'kind'> & { path: EndpointPath };
const byModel = (e: Routed): Endpoint => ({ method: 'POST', kind: 'model', ...e });

const routed: Endpoint[] = [
  byModel({ path: '/chat/completions', body: 'json', streams: true, jsonResponse: true, tokens: true }),
  byModel({ path: '/completions', body: 'json', streams: true, jsonResponse: true, tokens: true }),
  byModel({ path: '/embeddings', body: 'json', streams: false, jsonResponse: true, tokens: true }),
  byModel({ path: '/responses', body: 'json', streams: true, jsonResponse: true, tokens: true }),
  byModel({ path: '/moderations', body: 'json', streams: false, jsonResponse: true, tokens: false }),
  byModel({ path: '/images/generations', body: 'json', streams: false, jsonResponse: false, tokens: false }),
  byModel({ path: '/audio/speech', body: 'json', streams: false, jsonResponse: false, tokens: false }),
  byModel({ path: '/audio/transcriptions', body: 'multipart', streams: false, jsonResponse: false, tokens: false }),
  byModel({ path: '/audio/translations', body: 'multipart', streams: false, jsonResponse: false, tokens: false }),
  byModel({ path: '/messages', body: 'json', streams: true, jsonResponse: true, tokens: true, format: 'anthropic', validate: validateMessagesRequest }),
  byModel({ path: '/messages/count_tokens', body: 'json', streams: false, jsonResponse: true, tokens: false, format: 'anthropic', validate: validateCountTokensRequest }),
];

/** `GET /v1/models` and `GET /v1/models/{id}`: the models the key may use, from the registry. */
export const MODELS_ENDPOINT: Endpoint = { path: '/models', method: 'GET', kind: 'models', body: 'none', streams: false, jsonResponse: true, tokens: false };

/** POST endpoints routed by model, keyed by the path after `/v1`. */
export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map(routed.map((e) => [e.path, e]));

/** Strip a known API prefix: `/openai/v1/chat/completions` → `/chat/completions`; null if none. */
export function stripApiPrefix(path: string): string | null {
  if (path.startsWith('/v1/')) return path.slice(3);
  if (path.startsWith('/openai/v1/')) return path.slice(10);
  if (path.startsWith('/anthropic/v1/')) return path.slice(13);
  return null;
}

/** Where a request goes: its endpoint (and, for a model lookup, the model id); or why none. */
export type Route =
  | { endpoint: Endpoint; model: string | null }
  | { refused: 'not_found' | 'method' | 'bad_model_id'; endpoint: Endpoint | null };

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The router: the route of `method path` (path after the API prefix). */
export function route(method: string, sub: string): Route {
  if (sub === '/models' || sub.startsWith('/models/')) {
    if (method !== 'GET') return { refused: 'method', endpoint: MODELS_ENDPOINT };
    if (sub === '/models') return { endpoint: MODELS_ENDPOINT, model: null };
    const id = safeDecode(sub.slice(8));
    // A malformed escape (`%E0%A4%A`) is answered, not thrown inside the uWS callback.
    return id === undefined ? { refused: 'bad_model_id', endpoint: MODELS_ENDPOINT } : { endpoint: MODELS_ENDPOINT, model: id };
  }
  const endpoint = ENDPOINTS.get(sub);
  if (!endpoint) return { refused: 'not_found', endpoint: null };
  if (method !== endpoint.method) return { refused: 'method', endpoint };
  return { endpoint, model: null };
}

/** The `endpoint` label of a path: the API path after its prefix (`/models` for model lookups), `other` when unknown. */
export function endpointLabel(path: string): string {
  const sub = stripApiPrefix(path);
  if (sub === null) return 'other';
  if (sub === '/models' || sub.startsWith('/models/')) return MODELS_ENDPOINT.path;
  return ENDPOINTS.get(sub)?.path ?? 'other';
}
