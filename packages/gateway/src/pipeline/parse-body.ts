import { Errors } from '../errors/catalog.js';
import type { RequestContext } from '../request-context.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';
import { multipartBoundary, readMultipartField } from './multipart.js';

/** Stage: parse the body and find the model the client asked for. */
export function parseBody(ctx: RequestContext): void {
  const { req, endpoint } = ctx;
  if (endpoint.body === 'multipart') {
    const ct = req.headers['content-type'] ?? '';
    const boundary = multipartBoundary(ct);
    if (!ct.toLowerCase().startsWith('multipart/form-data') || !boundary) {
      throw Errors.invalidBody('This endpoint expects a multipart/form-data body.');
    }
    const model = readMultipartField(req.body, boundary, 'model');
    if (!model) throw Errors.missingModel();
    ctx.publicModel = model.trim();
    return;
  }
  if (req.body.length === 0) throw Errors.invalidJson('the body is empty');
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw Errors.invalidJson((e as Error).message);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw Errors.invalidBody('The request body must be a JSON object.');
  }
  // Each level of valid JSON takes two bytes (its brackets): a body this short cannot nest too deep.
  if (req.body.length > 2 * MAX_JSON_DEPTH && nestedDeeperThan(body, MAX_JSON_DEPTH)) throw Errors.invalidJson(`it is nested deeper than ${MAX_JSON_DEPTH} levels`);
  const b = body as Record<string, unknown>;
  if (b.model === undefined || b.model === null || b.model === '') throw Errors.missingModel();
  if (typeof b.model !== 'string') throw Errors.invalidBody('model must be a string', 'model');
  endpoint.validate?.(b);
  ctx.body = b;
  ctx.publicModel = b.model;
  ctx.stream = endpoint.streams && b.stream === true;
}
