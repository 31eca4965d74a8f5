import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@llmgw/core';
import type { McpPool } from '../upstream/mcp-pool.js';

/** What an upstream server offers, one list per kind. */
export interface Offers {
  tools: Tool[];
  resources: Resource[];
  templates: ResourceTemplate[];
  prompts: Prompt[];
}
export type OfferKind = keyof Offers;

interface Held {
  /** `updated_at` of the record it was read for. */
  version: string;
  expiresAt: number;
  items: Promise<unknown[]>;
}

/** Most pages read of one upstream list (a server that keeps giving cursors is cut there). */
const MAX_PAGES = 50;

async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const p = await page(cursor);
    out.push(...p.items);
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

type Opts = { timeout: number; maxTotalTimeout: number };

/** How each list is read from a connected client; a server without the capability offers none. */
const READERS: { [K in OfferKind]: (c: Client, o: Opts) => Promise<Offers[K]> } = {
  tools: (c, o) => (c.getServerCapabilities()?.tools ? allPages((cursor) => c.listTools({ cursor }, o).then((r) => ({ items: r.tools, nextCursor: r.nextCursor }))) : Promise.resolve([])),
  resources: (c, o) => (c.getServerCapabilities()?.resources ? allPages((cursor) => c.listResources({ cursor }, o).then((r) => ({ items: r.resources, nextCursor: r.nextCursor }))) : Promise.resolve([])),
  templates: (c, o) =>
    c.getServerCapabilities()?.resources ? allPages((cursor) => c.listResourceTemplates({ cursor }, o).then((r) => ({ items: r.resourceTemplates, nextCursor: r.nextCursor }))) : Promise.resolve([]),
  prompts: (c, o) => (c.getServerCapabilities()?.prompts ? allPages((cursor) => c.listPrompts({ cursor }, o).then((r) => ({ items: r.prompts, nextCursor: r.nextCursor }))) : Promise.resolve([])),
};

/**
 * What each upstream server offers, as this pod last read it: kept `ttlMs` (and until the
 * server's record changes), shared by every client of the pod; one read at a time per list.
 */
export class McpCatalog {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly pool: McpPool,
    private readonly ttlMs: number,
  ) {}

  list<K extends OfferKind>(server: McpServer, kind: K): Promise<Offers[K]> {
    const id = `${server.name}\0${kind}`;
    const version = server.updated_at ?? '';
    const h = this.held.get(id);
    if (h && h.version === version && h.expiresAt > Date.now()) return h.items as Promise<Offers[K]>;
    const items = this.pool.request(server, (c, o) => READERS[kind](c, o));
    const entry: Held = { version, expiresAt: Date.now() + this.ttlMs, items };
    this.held.set(id, entry);
    // A failed read is not kept: the next request asks again (the pool's cooldown spaces the tries).
    items.catch(() => this.held.get(id) === entry && this.held.delete(id));
    return items;
  }
}
