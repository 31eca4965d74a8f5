import { resolveSecret, type Provider } from '@llmgw/core';
import { ADAPTERS, codecFor, upstreamUrl } from '../providers/index.js';
import type { RequestContext, Target } from '../request-context.js';
import { formatTraceparent } from '../observability/trace-context.js';
import { multipartBoundary, replaceMultipartField } from '../pipeline/multipart.js';

/**
 * Client headers never forwarded: hop-by-hop, the client's own credentials, what we set, and
 * a browser's `origin` and `referer` (the gateway is the upstream's client: Anthropic refuses a
 * request with an Origin unless it opts in to browser access, and the page's URL is not the
 * upstream's business).
 */
const DROP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'authorization', 'x-api-key', 'api-key', 'cookie',
  'x-request-id', 'accept-encoding', 'openai-organization', 'openai-project', 'expect', 'forwarded',
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'origin', 'referer',
]);

export interface UpstreamRequest {
  origin: string;
  path: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: Buffer | string | null;
}

const originCache = new WeakMap<Provider, { origin: string; basePath: string }>();

function splitBaseUrl(p: Provider): { origin: string; basePath: string } {
  let v = originCache.get(p);
  if (!v) {
    const u = new URL(p.base_url);
    v = { origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') };
    originCache.set(p, v);
  }
  return v;
}

/** Secrets of a provider that resolve here (env: refs may be unset on this pod). */
export function providerSecret(p: Provider, index: number): string | undefined {
  const ref = p.secrets[index];
  return ref === undefined ? undefined : resolveSecret(ref);
}

const isJsonSpace = (b: number | undefined): boolean => b === 32 || b === 10 || b === 13 || b === 9;

/**
 * The client's JSON object with `fields` added at its end, without decoding and re-encoding
 * it (a streamed chat request gets `stream_options` this way). Null when that could change
 * its meaning: a field is already there (duplicate keys are read differently by different
 * parsers), or the object is empty or not what the body ends with.
 */
export function appendFields(raw: Buffer, parsed: Record<string, unknown>, fields: Record<string, unknown>): Buffer | null {
  let some = false;
  for (const _ in parsed) {
    some = true;
    break;
  }
  if (!some) return null;
  for (const k in fields) if (Object.hasOwn(parsed, k)) return null;
  let end = raw.length - 1;
  while (end > 0 && isJsonSpace(raw[end])) end--;
  if (raw[end] !== 125 /* } */) return null;
  let text = '';
  for (const k in fields) text += `,${JSON.stringify(k)}:${JSON.stringify(fields[k])}`;
  return Buffer.concat([raw.subarray(0, end), Buffer.from(`${text}}`)]);
}

/**
 * The upstream request for one attempt: the client's body with `model` rewritten (and any
 * body patches stages asked for), the client's credentials replaced by the provider secret.
 */
export function buildUpstreamRequest(ctx: RequestContext, target: Target, secret: string | undefined, bodyPatch: Record<string, unknown> | null): UpstreamRequest {
  const p = target.provider;
  const { origin, basePath } = splitBaseUrl(p);
  const adapter = ADAPTERS[p.type];
  const headers: Record<string, string> = {};
  const inHeaders = ctx.req.headers;
  // `anthropic-version` and `anthropic-beta` (prompt caching TTLs, thinking, …) mean something
  // only to an Anthropic upstream; another type could refuse a header it does not know.
  const anthropicUpstream = p.type === 'anthropic';
  for (const k in inHeaders) if (!DROP.has(k) && (anthropicUpstream || !k.startsWith('anthropic-'))) headers[k] = inHeaders[k]!;
  Object.assign(headers, adapter.staticHeaders, p.headers, adapter.authHeaders(p, secret));
  headers['x-request-id'] = ctx.id;
  // A traced request: the upstream's parent is this attempt's span (else the client's traceparent goes as it came).
  const spanId = ctx.trace ? ctx.attempts[ctx.attempts.length - 1]?.spanId : undefined;
  if (spanId) headers.traceparent = formatTraceparent(ctx.trace!.traceId, spanId, true);
  headers['accept-encoding'] = 'identity';

  const codec = codecFor(ctx.endpoint, p);
  let body: Buffer | string = ctx.req.body;
  if (codec?.requestBody && ctx.body) {
    body = codec.requestBody(bodyPatch ? { ...ctx.body, ...bodyPatch } : ctx.body, target.model);
    headers['content-type'] = 'application/json';
  } else if (ctx.body) {
    if (target.model !== ctx.publicModel) {
      body = JSON.stringify({ ...ctx.body, ...bodyPatch, model: target.model });
    } else if (bodyPatch) {
      body = appendFields(ctx.req.body, ctx.body, bodyPatch) ?? JSON.stringify({ ...ctx.body, ...bodyPatch });
    }
    headers['content-type'] = 'application/json';
  } else if (ctx.endpoint.body === 'multipart' && target.model !== ctx.publicModel) {
    const boundary = multipartBoundary(inHeaders['content-type']);
    if (boundary) body = replaceMultipartField(ctx.req.body, boundary, 'model', target.model);
  }
  const query = !codec || codec.keepQuery ? ctx.req.query : '';
  const path = basePath + upstreamUrl({ provider: p, upstreamModel: target.model, endpoint: codec ? codec.upstream : ctx.endpoint.path, stream: ctx.stream, query });
  return { origin, path, method: 'POST', headers, body };
}
