import type { z } from 'zod';
import { followAliases } from './aliases.js';
import { parseRegistryEvent, type RegistryEvent } from './events.js';
import { displayPrefix, generateKeyId, generateRawKey, hashKey, importedKeyProblem, type ImportedKeyRules } from './key-hash.js';
import { appendAudit } from './audit.js';
import { hgetallMany } from './hgetall-many.js';
import { isCluster, type RedisClient } from './redis-connect.js';
import { REDIS_KEYS, type EntityKind } from './redis-keys.js';
import { writeEntity, RegistryConflictError, type Precondition } from './registry-write.js';
import {
  ApiKeySchema,
  ModelSchema,
  ProviderSchema,
  SCHEMA_VERSION,
  formatIssues,
  toRedisHash,
  type ApiKey,
  type Model,
  type ModelTarget,
  type Provider,
} from './schemas.js';

/** A record in Redis that failed validation: reported, skipped, never thrown at the caller. */
export interface InvalidRecord {
  key: string;
  problem: string;
}

/** Thrown for input that does not satisfy a schema (a user error in gwctl). */
export class RegistryValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryValidationError';
  }
}

/** A raw key given to import that no client could send (see `importedKeyProblem`) is refused before anything is written. */
function checkImportedKey(raw: string | undefined, rules?: ImportedKeyRules): void {
  const problem = raw === undefined ? null : importedKeyProblem(raw, rules);
  if (problem) throw new RegistryValidationError(`the imported key ${problem}`);
}

export interface RegistryOptions {
  /** Called for every record that fails validation on read. */
  onInvalid?: (bad: InvalidRecord) => void;
  /** Clock, for tests. */
  now?: () => Date;
  /** Who writes, for the audit log (`gwctl@host`, `token:NAME`); default `unknown`. */
  actor?: string;
  /** Called when appending to the audit log fails (the write itself stands). */
  onAuditError?: (e: unknown) => void;
}

export interface CreatedKey {
  key: ApiKey;
  /** The raw gateway key: show it once, never store it. */
  raw: string;
}

/** Input of a new key: everything but what the registry generates. */
export type NewKey = Omit<Partial<ApiKey>, 'hash' | 'prefix' | 'id'> & { name: string; id?: string };

/**
 * Reads and writes the registry (`gw:provider:*`, `gw:key:*`, `gw:model:*`). Every write
 * validates, is atomic, keeps the index sets, bumps `gw:rev` and publishes on `gw:events`.
 */
export class Registry {
  private readonly onInvalid: (bad: InvalidRecord) => void;
  private readonly now: () => Date;
  private readonly onAuditError: (e: unknown) => void;
  /** Who writes through this registry (the audit log's `actor`). */
  readonly actor: string;

  constructor(
    readonly redis: RedisClient,
    opts: RegistryOptions = {},
  ) {
    this.onInvalid = opts.onInvalid ?? (() => {});
    this.now = opts.now ?? (() => new Date());
    this.actor = opts.actor ?? 'unknown';
    this.onAuditError = opts.onAuditError ?? (() => {});
  }

  /** The same registry acting for someone else (the console: one per signed-in token). */
  as(actor: string): Registry {
    return new Registry(this.redis, { onInvalid: this.onInvalid, now: this.now, actor, onAuditError: this.onAuditError });
  }

  /** Append an entry to the audit log after a write (see audit.ts); never throws. */
  async audit(action: string, target: string, before: object | null, after: object | null): Promise<void> {
    try {
      await appendAudit(this.redis, { ts: this.now().getTime(), actor: this.actor, action, target, before, after });
    } catch (e) {
      this.onAuditError(e);
    }
  }

  // ---------- generic ----------

  private decode<T>(schema: z.ZodType<T>, key: string, raw: Record<string, string>): T | null {
    if (!raw || Object.keys(raw).length === 0) return null;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    this.onInvalid({ key, problem: formatIssues(r.error) });
    return null;
  }

  private async readMany<T>(schema: z.ZodType<T>, index: string, keyOf: (m: string) => string): Promise<T[]> {
    const members = (await this.redis.smembers(index)).sort();
    if (members.length === 0) return [];
    const results = await hgetallMany(this.redis, members.map(keyOf));
    const out: T[] = [];
    results.forEach(([err, raw], i) => {
      const key = keyOf(members[i]!);
      if (err) this.onInvalid({ key, problem: err.message });
      else {
        const v = this.decode(schema, key, raw as Record<string, string>);
        if (v) out.push(v);
      }
    });
    return out;
  }

  private validate<T>(schema: z.ZodType<T>, what: string, value: unknown): T {
    const r = schema.safeParse(value);
    if (!r.success) throw new RegistryValidationError(`invalid ${what}: ${formatIssues(r.error)}`);
    return r.data;
  }

  private stamp<T extends { created_at?: string | undefined; updated_at?: string | undefined }>(v: T, prev?: T | null): T {
    const now = this.now().toISOString();
    return { ...v, v: SCHEMA_VERSION, created_at: prev?.created_at ?? v.created_at ?? now, updated_at: now };
  }

  private write(kind: EntityKind, key: string, member: string, pre: Precondition, record: object): Promise<number> {
    return writeEntity(this.redis, kind, key, member, 'put', pre, toRedisHash(record as Record<string, unknown>));
  }

  /** The registry revision (`gw:rev`). */
  async revision(): Promise<number> {
    return Number((await this.redis.get(REDIS_KEYS.rev)) ?? 0);
  }

  // ---------- providers ----------

  async getProvider(name: string): Promise<Provider | null> {
    const key = REDIS_KEYS.provider(name);
    return this.decode(ProviderSchema, key, await this.redis.hgetall(key));
  }

  listProviders(): Promise<Provider[]> {
    return this.readMany(ProviderSchema, REDIS_KEYS.providers, REDIS_KEYS.provider);
  }

  /** Create a provider; fails if it exists. */
  async addProvider(input: Partial<Provider> & { name: string; base_url: string }): Promise<Provider> {
    const p = this.stamp(this.validate(ProviderSchema, 'provider', input));
    await this.write('provider', REDIS_KEYS.provider(p.name), p.name, { kind: 'absent' }, p);
    await this.audit('provider.create', p.name, null, p);
    return p;
  }

  /** Apply a change to an existing provider (optimistic: fails if it changed meanwhile). */
  async updateProvider(name: string, change: (p: Provider) => Partial<Provider>): Promise<Provider> {
    const prev = await this.mustGet('provider', name, () => this.getProvider(name));
    const next = this.stamp(this.validate(ProviderSchema, 'provider', { ...prev, ...change(prev), name }), prev);
    await this.write('provider', REDIS_KEYS.provider(name), name, { kind: 'unchanged', updatedAt: prev.updated_at }, next);
    await this.audit('provider.update', name, prev, next);
    return next;
  }

  async deleteProvider(name: string): Promise<void> {
    const prev = await this.getProvider(name);
    await writeEntity(this.redis, 'provider', REDIS_KEYS.provider(name), name, 'del', { kind: 'any' });
    await this.audit('provider.delete', name, prev, null);
  }

  /** The names in `providers` that are not registered (an allow-list typo would lock a key out). */
  async unknownProviders(providers: readonly string[] | undefined): Promise<string[]> {
    if (!providers?.length) return [];
    const known = new Set((await this.listProviders()).map((p) => p.name));
    return providers.filter((p) => !known.has(p));
  }

  /** Models with at least one target on this provider. */
  async modelsBoundTo(provider: string): Promise<Model[]> {
    return (await this.listModels()).filter((m) => m.targets.some((t) => t.provider === provider));
  }

  // ---------- keys ----------

  async getKeyByHash(hash: string): Promise<ApiKey | null> {
    const key = REDIS_KEYS.key(hash);
    return this.decode(ApiKeySchema, key, await this.redis.hgetall(key));
  }

  getKeyByRaw(raw: string): Promise<ApiKey | null> {
    return this.getKeyByHash(hashKey(raw));
  }

  listKeys(): Promise<ApiKey[]> {
    return this.readMany(ApiKeySchema, REDIS_KEYS.keys, REDIS_KEYS.key);
  }

  /** Find a key by name, id, display prefix or full hash. Ambiguous prefixes are an error. */
  async findKey(ref: string): Promise<ApiKey | null> {
    const all = await this.listKeys();
    const exact = all.find((k) => k.name === ref || k.id === ref || k.hash === ref);
    if (exact) return exact;
    const byPrefix = all.filter((k) => ref.length >= 4 && (ref.startsWith(k.prefix) || k.prefix.startsWith(ref)));
    if (byPrefix.length > 1) throw new RegistryValidationError(`"${ref}" matches ${byPrefix.length} keys; use the name or id`);
    return byPrefix[0] ?? null;
  }

  /** Create a key (generated, or imported with `raw`; `rules` for a short one). Returns the raw key once. */
  async createKey(input: NewKey, raw?: string, rules?: ImportedKeyRules): Promise<CreatedKey> {
    checkImportedKey(raw, rules);
    const secret = raw ?? generateRawKey();
    if ((await this.listKeys()).some((k) => k.name === input.name)) {
      throw new RegistryConflictError(`key "${input.name}" already exists`, 'exists');
    }
    const key = this.stamp(
      this.validate(ApiKeySchema, 'key', {
        ...input,
        id: input.id ?? generateKeyId(),
        hash: hashKey(secret),
        prefix: displayPrefix(secret),
      }),
    );
    await this.write('key', REDIS_KEYS.key(key.hash), key.hash, { kind: 'absent' }, key);
    await this.audit('key.create', key.name, null, key);
    return { key, raw: secret };
  }

  async updateKey(hash: string, change: (k: ApiKey) => Partial<ApiKey>): Promise<ApiKey> {
    const prev = await this.mustGet('key', hash, () => this.getKeyByHash(hash));
    const next = this.stamp(
      this.validate(ApiKeySchema, 'key', { ...prev, ...change(prev), hash: prev.hash, id: prev.id, prefix: prev.prefix }),
      prev,
    );
    if (next.name !== prev.name && (await this.listKeys()).some((k) => k.name === next.name)) {
      throw new RegistryConflictError(`key "${next.name}" already exists`, 'exists');
    }
    await this.write('key', REDIS_KEYS.key(hash), hash, { kind: 'unchanged', updatedAt: prev.updated_at }, next);
    await this.audit('key.update', next.name, prev, next);
    return next;
  }

  /** Issue a new secret with the same settings and id; the old secret stops working at once. */
  async rotateKey(hash: string, raw?: string): Promise<CreatedKey> {
    const prev = await this.mustGet('key', hash, () => this.getKeyByHash(hash));
    checkImportedKey(raw);
    const secret = raw ?? generateRawKey();
    const key = this.stamp(this.validate(ApiKeySchema, 'key', { ...prev, hash: hashKey(secret), prefix: displayPrefix(secret) }), prev);
    await this.write('key', REDIS_KEYS.key(key.hash), key.hash, { kind: 'absent' }, key);
    await writeEntity(this.redis, 'key', REDIS_KEYS.key(hash), hash, 'del', { kind: 'any' });
    await this.audit('key.rotate', key.name, prev, key);
    return { key, raw: secret };
  }

  async deleteKey(hash: string): Promise<void> {
    const prev = await this.getKeyByHash(hash);
    await writeEntity(this.redis, 'key', REDIS_KEYS.key(hash), hash, 'del', { kind: 'any' });
    await this.audit('key.delete', prev?.name ?? hash, prev, null);
  }

  // ---------- models ----------

  async getModel(name: string): Promise<Model | null> {
    const key = REDIS_KEYS.model(name);
    return this.decode(ModelSchema, key, await this.redis.hgetall(key));
  }

  listModels(): Promise<Model[]> {
    return this.readMany(ModelSchema, REDIS_KEYS.models, REDIS_KEYS.model);
  }

  /** A model by public name, following aliases (at most MAX_ALIAS_HOPS hops). */
  async resolveModel(name: string): Promise<Model | null> {
    return (await followAliases(name, (n) => this.getModel(n)))?.model ?? null;
  }

  /** Create or replace a whole model record. */
  async putModel(input: Partial<Model> & { name: string }): Promise<Model> {
    const prev = await this.getModel(input.name);
    const m = this.stamp(this.validate(ModelSchema, 'model', input), prev);
    const pre: Precondition = prev ? { kind: 'unchanged', updatedAt: prev.updated_at } : { kind: 'absent' };
    await this.write('model', REDIS_KEYS.model(m.name), m.name, pre, m);
    await this.audit(prev ? 'model.update' : 'model.create', m.name, prev, m);
    return m;
  }

  async updateModel(name: string, change: (m: Model) => Partial<Model>): Promise<Model> {
    const prev = await this.mustGet('model', name, () => this.getModel(name));
    const next = this.stamp(this.validate(ModelSchema, 'model', { ...prev, ...change(prev), name }), prev);
    await this.write('model', REDIS_KEYS.model(name), name, { kind: 'unchanged', updatedAt: prev.updated_at }, next);
    await this.audit('model.update', name, prev, next);
    return next;
  }

  /**
   * Bind a public model to a (provider, upstream model) target, creating the model if needed.
   * Re-binding the same pair updates its weight and priority. The provider must exist.
   */
  async bindModel(name: string, target: Partial<ModelTarget> & { provider: string }, policy?: Model['policy']): Promise<Model> {
    if (!(await this.getProvider(target.provider))) {
      throw new RegistryValidationError(`unknown provider "${target.provider}"`);
    }
    const t = { ...target, model: target.model || name } as ModelTarget;
    const prev = await this.getModel(name);
    if (prev?.alias_of) throw new RegistryValidationError(`"${name}" is an alias of "${prev.alias_of}"; bind that model instead`);
    const targets = (prev?.targets ?? []).filter((x) => !(x.provider === t.provider && x.model === t.model));
    targets.push(t);
    return this.putModel({ ...(prev ?? {}), name, targets, ...(policy ? { policy } : {}) });
  }

  /** Remove targets of `provider` (optionally only `upstreamModel`); deletes the model when none remain. */
  async unbindModel(name: string, provider: string, upstreamModel?: string): Promise<Model | null> {
    const prev = await this.mustGet('model', name, () => this.getModel(name));
    const targets = prev.targets.filter((t) => !(t.provider === provider && (!upstreamModel || t.model === upstreamModel)));
    if (targets.length === prev.targets.length) {
      throw new RegistryValidationError(`model "${name}" has no target on provider "${provider}"${upstreamModel ? ` (${upstreamModel})` : ''}`);
    }
    if (targets.length === 0) {
      await this.deleteModel(name);
      return null;
    }
    return this.updateModel(name, () => ({ targets }));
  }

  async deleteModel(name: string): Promise<void> {
    const prev = await this.getModel(name);
    await writeEntity(this.redis, 'model', REDIS_KEYS.model(name), name, 'del', { kind: 'any' });
    await this.audit('model.delete', name, prev, null);
  }

  // ---------- events ----------

  /**
   * Subscribe to registry events on a dedicated connection. Returns a function that
   * unsubscribes and closes that connection. Resolves once the subscription is confirmed,
   * or after `opts.waitMs` when given: the subscription then stays queued and takes effect
   * as soon as Redis answers (a gateway booting during an outage must not wait for it).
   * A bulk write's one event reaches `onEvent` as one call per entity it changed (all with
   * its revision); one too large to list its changes calls `opts.onReload` (default
   * `onReconnect`): drop everything held.
   */
  async subscribe(
    onEvent: (e: RegistryEvent) => void,
    onReconnect?: () => void,
    opts: { waitMs?: number; onReload?: (rev: number) => void } = {},
  ): Promise<() => Promise<void>> {
    // Its own connection, queueing while disconnected and without a command timeout: a
    // subscription must survive outages (a queued SUBSCRIBE is sent when Redis is back).
    const sub = isCluster(this.redis)
      ? this.redis.duplicate(undefined, {
          enableOfflineQueue: true,
          redisOptions: { ...this.redis.options.redisOptions, commandTimeout: undefined },
        })
      : this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
    sub.on('error', () => {}); // reconnects by itself; the owner watches the main client
    let first = true;
    sub.on('ready', () => {
      if (!first) onReconnect?.();
      first = false;
    });
    sub.on('message', (channel: string, message: string) => {
      if (channel !== REDIS_KEYS.events) return;
      const e = parseRegistryEvent(message);
      if (e?.kind !== 'bulk') {
        if (e) onEvent(e);
      } else if (e.changes) {
        for (const c of e.changes) onEvent({ ...c, rev: e.rev });
      } else if (opts.onReload) opts.onReload(e.rev);
      else onReconnect?.();
    });
    const subscribed = sub.subscribe(REDIS_KEYS.events);
    subscribed.catch(() => {}); // a subscription closed before Redis answered is not an error
    let timer: NodeJS.Timeout | undefined;
    const waited = opts.waitMs === undefined ? [] : [new Promise((r) => (timer = setTimeout(r, opts.waitMs)))];
    try {
      await Promise.race([subscribed, ...waited]);
    } catch (e) {
      sub.disconnect();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return async () => {
      sub.disconnect();
    };
  }

  private async mustGet<T>(kind: EntityKind, name: string, get: () => Promise<T | null>): Promise<T> {
    const v = await get();
    if (!v) throw new RegistryConflictError(`${kind} "${name}" does not exist`, 'missing');
    return v;
  }
}
