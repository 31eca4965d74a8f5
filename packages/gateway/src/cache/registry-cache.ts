import { isDeepStrictEqual } from 'node:util';
import { followAliases, listMcpServers, MAX_ALIAS_HOPS, type ApiKey, type McpServer, type Model, type Provider, type Registry, type RegistryEvent, type ResolvedModel } from '@llmgw/core';
import { Errors } from '../errors/catalog.js';
import type { Logger } from '../logger.js';
import { KeyHashMemo } from './key-hash-memo.js';

/** The aliases of a model named directly: none (shared, never written). */
const NO_ALIASES: readonly string[] = Object.freeze([]);

export interface CacheOptions {
  ttlMs: number;
  negativeTtlMs: number;
  revPollMs: number;
}

/** Counters the metrics module reads. */
export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  errors: number;
}

interface Entry<T> {
  value: T | null;
  expiresAt: number;
  /** From then on a hit also reads the record again in the background (see `refreshAhead`). */
  refreshAt: number;
}

/** A record used after this share of its life is read again behind the hit that used it. */
const REFRESH_AFTER = 0.75;

type Kind = 'key' | 'model' | 'provider' | 'mcp';
type RecordKind = Exclude<Kind, 'mcp'>;

/** How long a `gw:rev` that differs from the last event's is given to catch up before it counts. */
const REV_CONFIRM_MS = 250;

/**
 * The local cache every registry read goes through. Records live `ttlMs`; unknown names
 * are remembered for `negativeTtlMs`; `gw:events` evicts at once and a `gw:rev` poll expires
 * everything when an event was missed (kept as last good copies). While Redis is unreachable the last good copy keeps
 * serving (counted as `stale`), without waiting for Redis once a read has found it away; a
 * name never seen then is a 503, not a 401/404.
 */
export class RegistryCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, stale: 0, errors: 0 };
  /** Hashes of raw keys that authenticated (authentication hashes each raw key once). */
  readonly keyHashes = new KeyHashMemo();
  private readonly maps: Record<Kind, Map<string, Entry<unknown>>> = { key: new Map(), model: new Map(), provider: new Map(), mcp: new Map() };
  private readonly loading = new Map<string, Promise<unknown>>();
  private modelList: Entry<Model[]> | null = null;
  private mcpList: Entry<McpServer[]> | null = null;
  private lastRev = -1;
  /** Bumped by every eviction and clear: a read that overlapped one does not cache what it read. */
  private evictions = 0;
  private polling = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  /** True once a revision was read and while Redis answers. */
  healthy = false;
  private warned = false;
  /** Registry revision last seen. */
  get revision(): number {
    return this.lastRev;
  }
  /** Records held now, per kind (negative entries included), for /status. */
  sizes(): { keys: number; models: number; providers: number } {
    return { keys: this.maps.key.size, models: this.maps.model.size, providers: this.maps.provider.size };
  }

  constructor(
    private readonly registry: Registry,
    private readonly opts: CacheOptions,
    private readonly log: Logger,
  ) {}

  private readonly loaders: Record<RecordKind, (name: string) => Promise<unknown>> = {
    key: (hash) => this.registry.getKeyByHash(hash),
    model: (name) => this.registry.getModel(name),
    provider: (name) => this.registry.getProvider(name),
  };

  async start(): Promise<void> {
    await this.pollRevision();
    this.unsubscribe = await this.registry
      .subscribe(
        (e) => this.onEvent(e),
        () => this.clear('pub/sub reconnected'),
        // Booting during an outage: do not wait; the subscription completes when Redis is back.
        { waitMs: this.healthy ? 5_000 : 0, onReload: (rev) => this.onReload(rev) },
      )
      .catch((e: Error) => {
        this.log.warn({ err: e.message }, 'registry event subscription failed; relying on gw:rev polling');
        return null;
      });
    if (this.opts.revPollMs > 0) {
      this.timer = setInterval(() => void this.pollRevision(), this.opts.revPollMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  getKey(hash: string): Promise<ApiKey | null> {
    return this.get<ApiKey>('key', hash);
  }

  getProvider(name: string): Promise<Provider | null> {
    return this.get<Provider>('provider', name);
  }

  /** A public model name resolved to the model that serves it, with the aliases passed through (each hop cached). */
  resolveModel(name: string): Promise<ResolvedModel | null> {
    return followAliases(name, (n) => this.get<Model>('model', n));
  }

  /**
   * Cache hits without a promise: the record when it is cached and fresh (null: known not to
   * exist), undefined when it must be read (`getKey` then). A request whose records are all
   * cached runs authentication and routing without yielding to the event loop.
   */
  peekKey(hash: string): ApiKey | null | undefined {
    return this.peek<ApiKey>('key', hash);
  }

  /** `getProvider` when cached and fresh; undefined: read it with `getProvider`. */
  peekProvider(name: string): Provider | null | undefined {
    return this.peek<Provider>('provider', name);
  }

  /** A model named directly, resolved: per record (a record changed in Redis is a new one). */
  private readonly direct = new WeakMap<Model, ResolvedModel>();

  /** `resolveModel` when every hop is cached and fresh; undefined: read it with `resolveModel`. */
  peekResolved(name: string): ResolvedModel | null | undefined {
    const now = Date.now();
    let m = this.fresh<Model>('model', name, now);
    let hits = 1;
    const via: string[] = [];
    // The same walk as followAliases, over fresh entries only.
    for (let hops = 0; m?.alias_of && hops < MAX_ALIAS_HOPS; hops++) {
      via.push(m.name);
      m = this.fresh<Model>('model', m.alias_of, now);
      hits++;
    }
    if (m === undefined) return undefined;
    this.stats.hits += hits;
    if (!m || m.alias_of) return null;
    if (via.length > 0) return { model: m, via };
    // Named directly (most requests): one result per record while it is cached, not one per request.
    let r = this.direct.get(m);
    if (r === undefined) this.direct.set(m, (r = { model: m, via: NO_ALIASES }));
    return r;
  }

  /** A model by public name, aliases followed. */
  async getModel(name: string): Promise<Model | null> {
    return (await this.resolveModel(name))?.model ?? null;
  }

  /** Every model (for /v1/models), cached like a record. */
  async listModels(): Promise<Model[]> {
    const list = await this.cachedList(this.modelList, () => this.registry.listModels());
    this.modelList = list;
    return list.value ?? [];
  }

  /** Every upstream MCP server (for /mcp), cached like a record. */
  async listMcpServers(): Promise<McpServer[]> {
    const list = await this.cachedList(this.mcpList, () => listMcpServers(this.registry));
    this.mcpList = list;
    return list.value ?? [];
  }

  /** A whole list: the cached one while fresh, else read again; the last good one while Redis is away. */
  private async cachedList<T>(held: Entry<T[]> | null, load: () => Promise<T[]>): Promise<Entry<T[]>> {
    const now = Date.now();
    if (held && held.expiresAt > now) return held;
    try {
      return { value: await load(), expiresAt: now + this.opts.ttlMs, refreshAt: Infinity };
    } catch (e) {
      this.stats.errors++;
      this.unreachable(e);
      if (held) {
        this.stats.stale++;
        return held;
      }
      throw Errors.registryUnavailable();
    }
  }

  /** The record when cached and fresh (a background read started when it is due, see `refreshAhead`); undefined: read it. */
  private fresh<T>(kind: RecordKind, name: string, now: number): T | null | undefined {
    const entry = this.maps[kind].get(name) as Entry<T> | undefined;
    if (!entry || entry.expiresAt <= now) return undefined;
    if (now >= entry.refreshAt) this.refreshAhead(kind, name, entry);
    return entry.value;
  }

  private peek<T>(kind: RecordKind, name: string): T | null | undefined {
    const value = this.fresh<T>(kind, name, Date.now());
    if (value !== undefined) this.stats.hits++;
    return value;
  }

  /**
   * A record in use is read again before it expires, behind the hit that found it due: the
   * requests keep being served from the copy while the read is in flight, instead of every
   * request arriving during that read waiting for Redis when the copy expires (at thousands of
   * requests a second, a burst of them every GW_CACHE_TTL_MS, each key, model and provider
   * read one after the other). A record is still never served past its expiry: a read that
   * fails leaves the copy to expire as before.
   */
  private refreshAhead(kind: RecordKind, name: string, entry: Entry<unknown>): void {
    entry.refreshAt = Infinity;
    this.read(kind, name, this.maps[kind]).catch(() => {});
  }

  private get<T>(kind: RecordKind, name: string): Promise<T | null> {
    const map = this.maps[kind] as Map<string, Entry<T>>;
    const now = Date.now();
    const value = this.fresh<T>(kind, name, now);
    if (value !== undefined) {
      this.stats.hits++;
      return Promise.resolve(value);
    }
    const entry = map.get(name);
    this.stats.misses++;
    const read = this.read<T>(kind, name, map);
    if (!this.healthy && entry && entry.value !== null) {
      // Redis is known to be away: a read would only fail after GW_REDIS_COMMAND_TIMEOUT_MS
      // (a hung Redis, a Cluster failing over), and a request reads several records one after
      // the other. Serve the last good copy now; the read goes on in the background and brings
      // the record (and readiness) back as soon as Redis answers.
      this.stats.stale++;
      read.catch(() => {});
      return Promise.resolve(entry.value);
    }
    return read.catch(() => {
      const last = map.get(name);
      if (last && last.value !== null) {
        this.stats.stale++;
        return last.value;
      }
      throw Errors.registryUnavailable();
    });
  }

  /**
   * One read of a record at a time (concurrent callers share it); rejects when Redis could not
   * answer. A read that overlapped an eviction or a clear returns what it read but caches it
   * expired: its answer may predate the change (an event arrives on the subscriber connection,
   * independently of this read's reply), so the next use reads again.
   */
  private read<T>(kind: RecordKind, name: string, map: Map<string, Entry<T>>): Promise<T | null> {
    const id = `${kind}\0${name}`;
    let p = this.loading.get(id) as Promise<T | null> | undefined;
    if (!p) {
      const evictions = this.evictions;
      p = (this.loaders[kind](name) as Promise<T | null>)
        .then((read) => {
          this.reachable();
          // An unchanged record keeps its identity: what is kept per record object (a key's
          // lease and request rate in governance/leases.ts, routes resolved for a model) goes
          // on across re-reads instead of starting over every GW_CACHE_TTL_MS.
          const prev = map.get(name)?.value;
          const value = read !== null && prev != null && isDeepStrictEqual(prev, read) ? prev : read;
          const ttl = value === null ? this.opts.negativeTtlMs : this.opts.ttlMs;
          const now = Date.now();
          const expiresAt = evictions === this.evictions ? now + ttl : 0;
          map.set(name, { value, expiresAt, refreshAt: now + ttl * REFRESH_AFTER });
          return value;
        })
        .catch((e: unknown) => {
          this.stats.errors++;
          this.unreachable(e);
          throw e;
        })
        .finally(() => this.loading.delete(id));
      this.loading.set(id, p);
    }
    return p;
  }

  private onEvent(e: RegistryEvent): void {
    this.evictions++;
    this.maps[e.kind].delete(e.name);
    if (e.kind === 'model') this.modelList = null;
    if (e.kind === 'mcp') this.mcpList = null;
    if (e.rev > this.lastRev) this.lastRev = e.rev;
  }

  /** A bulk apply too large to list its changes: everything is read again, once. */
  private onReload(rev: number): void {
    this.clear(`bulk write at gw:rev ${rev}`);
    if (rev > this.lastRev) this.lastRev = rev;
  }

  /**
   * Every record is read again at its next use. The records stay as last good copies: a read
   * that fails then (a Redis restarting from its AOF answers LOADING for a while, and its
   * subscriber reconnecting is what clears the cache) serves the copy, as any read does while
   * Redis is away, instead of a 503 for a key that worked a moment before.
   */
  private clear(why: string): void {
    this.log.info({ why }, 'registry cache cleared');
    this.evictions++;
    for (const m of Object.values(this.maps)) for (const entry of m.values()) entry.expiresAt = 0;
    if (this.modelList) this.modelList = { ...this.modelList, expiresAt: 0 };
    if (this.mcpList) this.mcpList = { ...this.mcpList, expiresAt: 0 };
  }

  /**
   * The safety net: a revision we did not hear about means we missed events; one that went
   * back means Redis restarted empty (or was flushed). An event travels on the subscriber
   * connection, and a write may bump `gw:rev` a moment before it publishes, so a revision read
   * can be ahead of the last event heard without anything being missed. A difference is
   * therefore judged REV_CONFIRM_MS later: the cache is cleared only when the revision read
   * then has still not been heard of, or when Redis's revision is behind ours. (A needless
   * clear empties every pod's cache at once and sends its next requests to Redis.)
   */
  private async pollRevision(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const seen = await this.registry.revision();
      if (this.lastRev === -1) this.lastRev = seen;
      else if (seen !== this.lastRev) {
        await new Promise((r) => setTimeout(r, REV_CONFIRM_MS));
        const now = await this.registry.revision();
        const missed = seen > this.lastRev;
        if (missed || now < this.lastRev) {
          this.clear(missed ? `gw:rev ${seen} was never announced (last heard ${this.lastRev})` : `gw:rev went back to ${now} (last heard ${this.lastRev})`);
          this.lastRev = now;
        }
      }
      this.reachable(seen);
    } catch (e) {
      this.unreachable(e);
    } finally {
      this.polling = false;
    }
  }

  private reachable(rev?: number): void {
    if (this.healthy) return;
    this.healthy = true;
    this.warned = false;
    this.log.info({ rev: rev ?? this.lastRev }, 'registry reachable');
  }

  /** Redis failed a read: not ready, and one warning per outage (not one per request). */
  private unreachable(e: unknown): void {
    // A reply error (e.g. WRONGTYPE on one bad record) means Redis answered: not an outage.
    if ((e as Error)?.name === 'ReplyError') return;
    this.healthy = false;
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ err: (e as Error)?.message }, 'registry unreachable; serving cached records');
  }
}

/** What the request stages read of the registry (a fake of it is enough to test them). */
export type RegistryReader = Pick<RegistryCache, 'keyHashes' | 'getKey' | 'getProvider' | 'resolveModel' | 'listModels' | 'peekKey' | 'peekProvider' | 'peekResolved'>;
