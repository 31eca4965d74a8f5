import type { Model } from '@llmgw/core';
import { Errors } from '../errors/catalog.js';

/**
 * `GET /v1/models[/{id}]` in the shape of Anthropic's Models API, for a client that sends
 * `anthropic-version` (the Anthropic SDK, Claude Code): `{type: "model", id, display_name,
 * created_at}` objects, and the list paginated by `limit`, `after_id` and `before_id` with
 * `has_more`, `first_id` and `last_id`.
 */

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export function toAnthropicModel(m: Model) {
  return { type: 'model', id: m.name, display_name: m.name, created_at: m.created_at ?? '1970-01-01T00:00:00Z' };
}

function limitOf(q: URLSearchParams): number {
  const raw = q.get('limit');
  if (raw === null) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) throw Errors.invalidBody(`limit: Input should be an integer from 1 to ${MAX_LIMIT}.`, 'limit');
  return n;
}

/** One page of `models` (in registry order) for the request's query string. */
export function anthropicModelsPage(models: readonly Model[], query: string): string {
  const q = new URLSearchParams(query);
  const limit = limitOf(q);
  const after = q.get('after_id');
  const before = q.get('before_id');
  const indexOf = (id: string, param: string) => {
    const i = models.findIndex((m) => m.name === id);
    if (i === -1) throw Errors.invalidBody(`${param}: no model with id "${id}" in this list.`, param);
    return i;
  };
  let page: readonly Model[];
  let hasMore: boolean;
  if (before !== null) {
    const end = indexOf(before, 'before_id');
    const start = Math.max(0, end - limit);
    page = models.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = after !== null ? indexOf(after, 'after_id') + 1 : 0;
    page = models.slice(start, start + limit);
    hasMore = start + limit < models.length;
  }
  return JSON.stringify({ data: page.map(toAnthropicModel), has_more: hasMore, first_id: page[0]?.name ?? null, last_id: page.at(-1)?.name ?? null });
}
