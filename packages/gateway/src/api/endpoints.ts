import type { Endpoint } from '../request-context.js';
import { validateCountTokensRequest, validateMessagesRequest } from '../formats/anthropic-messages/validate-anthropic-request.js';

export type { Endpoint };

/**
 * The route table of the API: every endpoint the gateway serves, with the facts the router,
 * the pipeline, the providers' `serves` lists, the models list, metrics and the docs read.
 * A request path is an endpoint's path after an accepted prefix (`/v1`, `/openai/v1`,
 * `/v1beta/openai`, …: `GW_API_PATH_PREFIXES`, see router.ts).
 */

/** Every POST endpoint routed by model, as the path after its prefix (`/v1`). */
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

/** `GET|DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`: stored responses, from Redis (responses/). */
export const STORED_RESPONSE_ENDPOINT: Endpoint = { path: '/responses/{id}', method: 'GET', kind: 'stored', body: 'none', streams: false, jsonResponse: true, tokens: false };

/** The same, asked by an Anthropic client (`anthropic-version` header): Anthropic's list shape and errors. */
export const ANTHROPIC_MODELS_ENDPOINT: Endpoint = { ...MODELS_ENDPOINT, format: 'anthropic' };

/**
 * The MCP endpoint (Streamable HTTP, docs/mcp.md): `/mcp` and `/mcp/v1`, exactly (no API prefix);
 * every method reaches it (POST messages; GET and DELETE are answered 405 by mcp/).
 */
export const MCP_ENDPOINT: Endpoint = { path: '/mcp', method: 'POST', kind: 'mcp', body: 'json', streams: false, jsonResponse: false, tokens: false, format: 'mcp' };
export const MCP_PATHS: ReadonlySet<string> = new Set(['/mcp', '/mcp/', '/mcp/v1', '/mcp/v1/']);

/** POST endpoints routed by model, keyed by their path (after the prefix). */
export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map(routed.map((e) => [e.path, e]));
