import { ENDPOINTS, MCP_ENDPOINT, MCP_PATHS, MODELS_ENDPOINT, STORED_RESPONSE_ENDPOINT, type Endpoint } from './endpoints.js';

/**
 * The prefixes accepted before an endpoint's path (`GW_API_PATH_PREFIXES`): `'*'`, any
 * (llm-gateway-lite's rule: a path that ends with an endpoint's path is that endpoint, so
 * `/v1/chat/completions`, `/v1beta/openai/chat/completions`, `/api/v3/x/chat/completions` and
 * `/chat/completions` all are), or exactly these (`''` for none), e.g. `['/v1', '/openai/v1']`.
 */
export type ApiPrefixes = '*' | readonly string[];

/** Where a request goes: its endpoint (and, for a model lookup, the model id); or why none. */
export type Route =
  | { endpoint: Endpoint; model: string | null }
  | { refused: 'not_found' | 'method'; endpoint: Endpoint | null }
  | { refused: 'bad_model_id'; endpoint: Endpoint; id: string };

/** The router of the public listener, built once from the accepted prefixes. */
export interface ApiRouter {
  /** The route of `method path` (the path without its query). */
  route(method: string, path: string): Route;
  /** The endpoint label of a path for metrics and logs: an endpoint's path (`/models` for model lookups) or `other`. Never the raw path. */
  label(path: string): string;
}

/**
 * The bucket of a path's last segment: its length and first character (`/completions` → 12·128
 * + `c`). Endpoints whose paths end in the same segment share one (`/chat/completions`,
 * `/completions`); every other bucket holds one endpoint, so a path is checked against one or
 * two candidates, found without allocating.
 */
function bucketOf(path: string): number {
  const i = path.lastIndexOf('/');
  return (path.length - i) * 128 + path.charCodeAt(i + 1);
}

// Longest first within a bucket, so that the longest endpoint path a request path ends with
// wins: `/chat/completions` over `/completions`.
const BUCKETS = new Map<number, Endpoint[]>();
for (const e of [...ENDPOINTS.values(), MODELS_ENDPOINT].sort((a, b) => b.path.length - a.path.length)) {
  const b = BUCKETS.get(bucketOf(e.path));
  if (b) b.push(e);
  else BUCKETS.set(bucketOf(e.path), [e]);
}
const MODELS_SEGMENT = '/models/';
const RESPONSES_SEGMENT = '/responses/';
/** `{id}` or `{id}/input_items`: a stored response's id (no `/`), and whether its input items are asked. */
const STORED_TAIL = /^([A-Za-z0-9_-]{1,200})(\/input_items)?$/;

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * The router for these prefixes. A path is read, in this order, as:
 * 1. the endpoint whose path it ends with, longest first, when what comes before is an
 *    accepted prefix (one map lookup and one or two `endsWith`, no allocation with `'*'`);
 * 2. `GET <prefix>/models/{id}`, at the first `/models/` after an accepted prefix: the id is
 *    the rest of the path, `/` included (`/v1/models/openai/gpt-4o`,
 *    `/v1/models/accounts/x/models/llama`), percent-decoded;
 * 3. else not found (404).
 * With `'*'`, an id that itself ends with an endpoint's path (`x/chat/completions`, `a/models`)
 * is that endpoint: such ids are looked up percent-encoded (`x%2Fchat%2Fcompletions`).
 */
export function createRouter(prefixes: ApiPrefixes): ApiRouter {
  const listed = prefixes === '*' ? null : [...prefixes];
  // Is `path` up to `end` an accepted prefix? A few compares, no substring.
  const accepts =
    listed === null
      ? () => true
      : (path: string, end: number) => {
          for (const p of listed) if (p.length === end && path.startsWith(p)) return true;
          return false;
        };

  function endpointOf(path: string): Endpoint | undefined {
    const candidates = BUCKETS.get(bucketOf(path));
    if (candidates) for (const e of candidates) if (path.endsWith(e.path) && accepts(path, path.length - e.path.length)) return e;
    return undefined;
  }

  /** The raw (still encoded) model id of a `<prefix>/models/{id}` path, or null. */
  function modelIdOf(path: string): string | null {
    for (let i = path.indexOf(MODELS_SEGMENT); i !== -1; i = path.indexOf(MODELS_SEGMENT, i + 1)) {
      if (accepts(path, i)) return path.slice(i + MODELS_SEGMENT.length);
    }
    return null;
  }

  /** `<prefix>/responses/{id}[/input_items]`: whether it is one, and whether input items are asked. */
  function storedOf(path: string): { items: boolean } | null {
    const i = path.lastIndexOf(RESPONSES_SEGMENT, path.length - RESPONSES_SEGMENT.length - 1);
    if (i === -1 || !accepts(path, i)) return null;
    const m = STORED_TAIL.exec(path.slice(i + RESPONSES_SEGMENT.length));
    return m ? { items: m[2] !== undefined } : null;
  }

  return {
    route(method, path) {
      if (MCP_PATHS.has(path)) return { endpoint: MCP_ENDPOINT, model: null };
      const endpoint = endpointOf(path);
      if (endpoint) return method === endpoint.method ? { endpoint, model: null } : { refused: 'method', endpoint };
      const stored = storedOf(path);
      if (stored) return method === 'GET' || (method === 'DELETE' && !stored.items) ? { endpoint: STORED_RESPONSE_ENDPOINT, model: null } : { refused: 'method', endpoint: STORED_RESPONSE_ENDPOINT };
      const raw = modelIdOf(path);
      if (raw === null) return { refused: 'not_found', endpoint: null };
      if (method !== 'GET') return { refused: 'method', endpoint: MODELS_ENDPOINT };
      const id = safeDecode(raw);
      // A malformed escape (`%E0%A4%A`) is answered, not thrown inside the uWS callback.
      return id === undefined ? { refused: 'bad_model_id', endpoint: MODELS_ENDPOINT, id: raw } : { endpoint: MODELS_ENDPOINT, model: id };
    },
    label(path) {
      if (MCP_PATHS.has(path)) return MCP_ENDPOINT.path;
      return endpointOf(path)?.path ?? (storedOf(path) !== null ? STORED_RESPONSE_ENDPOINT.path : modelIdOf(path) === null ? 'other' : MODELS_ENDPOINT.path);
    },
  };
}
