/**
 * Every Redis key name of the contract between the planes, in one place.
 * Registry keys are fixed by DESIGN.md; runtime keys (`gw:rt:*`) carry a hash tag
 * (`{...}`) so that multi-key scripts touching one key's or one provider's state
 * land in a single Cluster slot.
 */
export const REDIS_KEYS = {
  provider: (name: string) => `gw:provider:${name}`,
  key: (hash: string) => `gw:key:${hash}`,
  model: (name: string) => `gw:model:${name}`,
  providers: 'gw:providers',
  keys: 'gw:keys',
  models: 'gw:models',
  mcp: (name: string) => `gw:mcp:${name}`,
  mcps: 'gw:mcps',
  events: 'gw:events',
  rev: 'gw:rev',
  /** Console / admin API token (hash of name, role, prefix, created_at) by SHA-256 of the raw token. */
  adminToken: (hash: string) => `gw:admin:token:${hash}`,
  adminTokens: 'gw:admin:tokens',
  /** A console browser session (by SHA-256 of its cookie value), with a TTL. */
  adminSession: (hash: string) => `gw:admin:session:${hash}`,
} as const;

/** Runtime state shared by pods. One hash tag per owner keeps scripts Cluster-safe. */
export const RT_KEYS = {
  /** Rate-limit / concurrency / spend state of one gateway key (by key id). */
  keyTag: (keyId: string) => `gw:rt:{k:${keyId}}`,
  /** Health / cooldown state of one provider and its secrets. */
  providerTag: (provider: string) => `gw:rt:{p:${provider}}`,
  /** Hash of the health of one provider and its secrets (see provider-health.ts). */
  providerHealth: (provider: string) => `gw:rt:{p:${provider}}:health`,
  /** Hash, per pod, of the `env:` secrets of one provider that pod cannot resolve (see unset-secrets.ts). */
  providerUnsetSecrets: (provider: string) => `gw:rt:{p:${provider}}:unset`,
  /** The bounded usage event stream: one entry per write, field `b` = a JSON array of events (usage.ts). */
  usageStream: 'gw:rt:{usage}:events',
  /** The stream's entries oldest first, as `<events before it> <its events> <entry id>`: how its bound counts events, not entries. */
  usageStreamIndex: 'gw:rt:{usage}:entries',
  /** Highest usage record sequence of one pod process applied to the stream (exactly-once marks). */
  usageApplied: (pod: string) => `gw:rt:{usage}:applied:${pod}`,
  /** Governance state of one key, all under its tag (one Cluster slot per key). */
  /** The rpm and tpm window: per-bucket request and token counters (see rate-window.ts). */
  keyWindow: (keyId: string) => `gw:rt:{k:${keyId}}:win`,
  keyConcurrency: (keyId: string) => `gw:rt:{k:${keyId}}:conc`,
  /** Budget reservations of requests in flight: zset of `<member>|<micro-USD>` → lease expiry ms. */
  keyReservations: (keyId: string) => `gw:rt:{k:${keyId}}:resv`,
  /** Sum of those reservations in micro-USD (kept by the scripts that add and remove them). */
  keyReserved: (keyId: string) => `gw:rt:{k:${keyId}}:resv:sum`,
  /** Highest usage record sequence of one pod process applied to this key's spend counters. */
  keyApplied: (keyId: string, pod: string) => `gw:rt:{k:${keyId}}:applied:${pod}`,
  /** Spend and token totals of one key for one UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`). */
  keySpendDay: (keyId: string, day: string) => `gw:rt:{k:${keyId}}:spend:d:${day}`,
  keySpendMonth: (keyId: string, month: string) => `gw:rt:{k:${keyId}}:spend:m:${month}`,
  /** Index of providers that have runtime health state (for gwctl provider status). */
  prefix: 'gw:rt:',
  /** A stored Responses API response (JSON, with a TTL): its conversation, owner key and model (gateway responses/). */
  storedResponse: (id: string) => `gw:rt:{r:${id}}:resp`,
  /**
   * A usage rollup hash (see usage-rollup.ts): of one hour (`h`, bucket = epoch hour) or UTC day
   * (`d`, bucket = epoch day), `part` = `total` (field = metric) or `<dimension>:<metric>`
   * (field = key id, model or provider). Under the usage stream's tag: written by its script.
   */
  usageRollup: (granularity: 'h' | 'd', bucket: number, part: string) => `gw:rt:{usage}:roll:${granularity}:${bucket}:${part}`,
  /** The HMAC key that seals MCP session ids, shared by every pod (set once, SET NX). */
  mcpSessionSecret: 'gw:rt:{mcp}:session-secret',
  /** An upstream MCP server's shared cooldown: epoch ms it ends at, expiring then (PX). */
  mcpCooldown: (server: string) => `gw:rt:{mcp}:cooldown:${server}`,
} as const;

export type EntityKind = 'provider' | 'key' | 'model' | 'mcp';
