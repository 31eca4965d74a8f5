import { targetSubject, type Provider } from '@llmgw/core';
import type { Endpoint } from '../api/endpoints.js';
import type { Target } from '../request-context.js';
import { codecFor } from '../providers/index.js';

/**
 * Which upstream answers say that the gateway's configuration is wrong rather than the
 * client's request, and the one readable line each is reported with (health `reason`, logs,
 * `/status`, `gwctl provider status`, the client's error).
 *
 * Every endpoint the gateway forwards is a POST routed by `model` to a configured target:
 * its URL is the provider's base URL plus a fixed path, its `model` the binding's. A 404 there
 * means that URL or model is wrong (a base URL without `/v1`, a model the upstream does not
 * serve, or does not serve on that endpoint), unless the request names an object stored
 * upstream (`STORED_OBJECT_FIELDS`), whose absence is the client's business. Lookups by id
 * (`GET /v1/models/{id}`) are answered by the gateway itself and never reach this rule.
 * A 401/403 means the provider refused the secret the gateway sent: never the client's key.
 */

/** Body fields that name an object stored upstream, per endpoint: with one present a 404 may be about it. */
const STORED_OBJECT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '/responses': ['previous_response_id', 'conversation'],
};

/** True when an upstream 404 to this request is the target's misconfiguration, not the client's error. */
export function notFoundIsMisconfiguration(endpoint: Endpoint, body: Record<string, unknown> | null): boolean {
  const fields = STORED_OBJECT_FIELDS[endpoint.path];
  if (!fields || !body) return true;
  return !fields.some((f) => body[f] !== undefined && body[f] !== null);
}

/** The path a target's provider is called on for this endpoint (after its base URL). */
export function upstreamPath(endpoint: Endpoint, target: Target): string {
  return codecFor(endpoint, target.provider)?.upstream ?? endpoint.path;
}

// Subjects by provider record (replaced by the registry cache after any edit, so an edited
// type or `serves` is never answered from here), endpoint path and upstream model. Looked up
// twice per request by the candidate cursor: a built string would be concatenated, flattened
// and hashed again each time for the health mirror's Map; these are hashed once.
const subjects = new WeakMap<Provider, Map<string, Map<string, string>>>();

/** The health subject of a target on this endpoint (see core's `targetSubject`). */
export function targetSubjectOf(endpoint: Endpoint, target: Target): string {
  let byPath = subjects.get(target.provider);
  if (byPath === undefined) subjects.set(target.provider, (byPath = new Map()));
  let byModel = byPath.get(endpoint.path);
  if (byModel === undefined) byPath.set(endpoint.path, (byModel = new Map()));
  let s = byModel.get(target.model);
  if (s === undefined) {
    // Bounded by the models the registry binds to this provider (client names never reach here).
    s = targetSubject(target.model, upstreamPath(endpoint, target));
    byModel.set(target.model, s);
  }
  return s;
}

export function notFoundLine(model: string, path: string): string {
  return `404 from upstream for model ${model} (POST ${path}): the base URL may lack /v1, or the model does not exist there or does not serve this endpoint`;
}

export function refusedLine(status: number): string {
  return `${status} from upstream: the secret was refused (wrong, revoked or without access)`;
}
