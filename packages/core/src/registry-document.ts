import { z } from 'zod';
import { ApiKeySchema, McpServerSchema, ModelSchema, ProviderSchema, type ApiKey, type McpServer, type Model, type ModelTarget, type Provider } from './schemas.js';

/**
 * The declarative registry document of `gwctl export` / `apply` / `diff`: one map per kind of
 * entity, keyed by name, each entry the entity's registry record without what the registry
 * sets itself. Validated with the registry's own schemas; every problem carries its path from
 * the document's root, which gwctl turns into file:line.
 */

/** Where in a document: `['providers', 'openai', 'weight']`, `['models', 'm', 'targets', 0]`. */
export type DocumentPath = Array<string | number>;

export interface DocumentIssue {
  path: DocumentPath;
  message: string;
}

/** `providers.openai.weight`, `models.m.targets[0].provider`. */
export function formatDocumentPath(path: DocumentPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(document)';
}

/** A document that cannot be applied; nothing was written. */
export class RegistryDocumentError extends Error {
  constructor(readonly issues: DocumentIssue[]) {
    super(`the document has ${issues.length} problem(s): ${issues.map((i) => `${formatDocumentPath(i.path)}: ${i.message}`).join('; ')}`);
    this.name = 'RegistryDocumentError';
  }
}

const DOCUMENT_SECTIONS = ['providers', 'models', 'keys', 'mcp_servers'] as const;
/** A kind of entity as a document names its section. `apply --prune` deletes only in the sections a document has. */
export type DocumentSection = (typeof DOCUMENT_SECTIONS)[number];

type SystemField = 'v' | 'created_at' | 'updated_at';
/** Set by the registry on every write: never in a document. */
const SYSTEM_FIELDS: readonly string[] = ['v', 'created_at', 'updated_at'] satisfies SystemField[];

/** A key's settings: its record without what identifies its secret or the registry sets. */
export type KeySettings = Omit<ApiKey, 'name' | 'id' | 'hash' | 'prefix' | SystemField>;

export interface ProviderEntry extends Partial<Omit<Provider, 'name' | SystemField>> {
  /** Placeholder reference in `secrets` → fingerprint of the literal secret it stands for (see exportRegistry). */
  literal_secrets?: Record<string, string>;
}
export interface ModelEntry extends Partial<Omit<Model, 'name' | 'targets' | SystemField>> {
  /** A target's weight (default 1) and priority (default 0) may be left out. */
  targets?: Array<Pick<ModelTarget, 'provider' | 'model'> & Partial<ModelTarget>>;
}
export interface KeyEntry extends Partial<KeySettings> {
  /** The key's public id (kept across rotations); a new key gets this one when given. */
  id?: string;
  /** Where the raw key of a key to create (or rotate to) comes from: `env:NAME`, read by the applying process. Never the key itself. */
  key?: string;
}

/** An upstream MCP server as a document holds it (literal header values exported as `redacted:<fingerprint>`). */
export type McpServerEntry = Partial<Omit<McpServer, 'name' | SystemField>>;

/** The document `exportRegistry` writes and `applyRegistry` reads (as YAML or JSON). */
export interface RegistryDocument {
  version: 1;
  providers?: Record<string, ProviderEntry>;
  models?: Record<string, ModelEntry>;
  keys?: Record<string, KeyEntry>;
  mcp_servers?: Record<string, McpServerEntry>;
}

export interface DesiredProvider {
  record: Provider;
  literalSecrets: Record<string, string>;
}

export interface DesiredKey {
  settings: KeySettings;
  id?: string;
  keyRef?: string;
}

/** A validated document: what the registry should hold. */
export interface DesiredRegistry {
  sections: Set<DocumentSection>;
  providers: Map<string, DesiredProvider>;
  models: Map<string, Model>;
  keys: Map<string, DesiredKey>;
  mcpServers: Map<string, McpServer>;
}

const EnvRef = z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, 'give the raw key as env:NAME (read from the environment of gwctl), never the key itself');
const Fingerprint = z.string().regex(/^sha256:[0-9a-f]{16}$/, 'a fingerprint looks like sha256: and 16 hex digits');
const KeyId = ApiKeySchema.shape.id;
// Stand-ins for what a key's settings are validated with but a document never holds.
const KEY_STANDINS = { id: 'key_standin', hash: '0'.repeat(64), prefix: 'standin' };

const NAME_IS_THE_KEY = { name: "not part of a document: the entry's key is its name" };
const NOT_IN_KEY = {
  ...NAME_IS_THE_KEY,
  hash: 'not part of a document: a key is matched by its name; its hash is never exported nor applied',
  prefix: 'not part of a document: it is derived from the raw key',
};

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields a document entry may have: the schema's, minus the system fields and those named, plus extras. */
function fieldsOf(shape: Record<string, unknown>, without: string[], extra: string[]): Set<string> {
  return new Set([...Object.keys(shape).filter((f) => !SYSTEM_FIELDS.includes(f) && !without.includes(f)), ...extra]);
}

const PROVIDER_FIELDS = fieldsOf(ProviderSchema.shape, ['name'], ['literal_secrets']);
const MODEL_FIELDS = fieldsOf(ModelSchema.shape, ['name'], []);
const KEY_FIELDS = fieldsOf(ApiKeySchema.shape, ['name', 'hash', 'prefix'], ['key']);
const MCP_FIELDS = fieldsOf(McpServerSchema.shape, ['name'], []);

/** The fields an entry of each section may have, in schema order (what docs/declarative-config.md lists). */
export const DOCUMENT_FIELDS: Record<DocumentSection, readonly string[]> = {
  providers: [...PROVIDER_FIELDS],
  models: [...MODEL_FIELDS],
  keys: [...KEY_FIELDS],
  mcp_servers: [...MCP_FIELDS],
};

/** Reads a document (the parsed YAML or JSON): what it wants, or every problem found. */
export function readRegistryDocument(input: unknown): { desired: DesiredRegistry; issues: DocumentIssue[] } {
  const issues: DocumentIssue[] = [];
  const desired: DesiredRegistry = { sections: new Set(), providers: new Map(), models: new Map(), keys: new Map(), mcpServers: new Map() };
  if (!isMap(input)) {
    issues.push({ path: [], message: 'a document is a mapping with version, providers, models and keys' });
    return { desired, issues };
  }
  for (const [k, v] of Object.entries(input)) {
    if (k === 'version') {
      if (v !== 1 && v !== '1') issues.push({ path: ['version'], message: 'this gwctl reads version 1 documents' });
    } else if (!(DOCUMENT_SECTIONS as readonly string[]).includes(k)) {
      issues.push({ path: [k], message: `unknown section (a document has version, ${DOCUMENT_SECTIONS.join(', ')})` });
    } else if (v !== null && v !== undefined && !isMap(v)) {
      issues.push({ path: [k], message: `${k} is a mapping from name to settings, not a list` });
    } else {
      desired.sections.add(k as DocumentSection);
    }
  }
  const section = (s: DocumentSection) => (desired.sections.has(s) ? Object.entries((input[s] as Record<string, unknown> | null) ?? {}) : []);
  for (const [name, entry] of section('providers')) readProvider(name, entry, desired, issues);
  for (const [name, entry] of section('models')) readModel(name, entry, desired, issues);
  for (const [name, entry] of section('keys')) readKey(name, entry, desired, issues);
  for (const [name, entry] of section('mcp_servers')) {
    const at = ['mcp_servers', name];
    const own = entryFields(at, entry, MCP_FIELDS, NAME_IS_THE_KEY, issues);
    const record = own && validate(McpServerSchema, at, { ...own, name }, issues);
    if (record) desired.mcpServers.set(name, record);
  }
  return { desired, issues };
}

/** The entry's own fields, with unknown and forbidden ones reported; null when it is not a mapping. */
function entryFields(
  at: DocumentPath,
  entry: unknown,
  known: Set<string>,
  forbidden: Record<string, string>,
  issues: DocumentIssue[],
): Record<string, unknown> | null {
  if (!isMap(entry)) {
    issues.push({ path: at, message: 'expected a mapping of settings' });
    return null;
  }
  const own: Record<string, unknown> = {};
  for (const [f, v] of Object.entries(entry)) {
    if (known.has(f)) own[f] = v;
    else if (SYSTEM_FIELDS.includes(f)) issues.push({ path: [...at, f], message: 'set by the registry on every write; remove it' });
    else issues.push({ path: [...at, f], message: forbidden[f] ?? unknownField(f, known) });
  }
  return own;
}

function unknownField(f: string, known: Set<string>): string {
  const near = [...known].find((k) => editDistance(f, k) <= 2);
  return near ? `unknown field; did you mean ${near}?` : `unknown field (known: ${[...known].join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Validates with a registry schema; issues on `name` point at the entry's key. */
function validate<T>(schema: z.ZodType<T>, at: DocumentPath, value: unknown, issues: DocumentIssue[]): T | null {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) {
    const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
    issues.push({ path: path[0] === 'name' ? at : [...at, ...path], message: path[0] === 'name' ? `not a valid name: ${i.message}` : i.message });
  }
  return null;
}

function readProvider(name: string, entry: unknown, desired: DesiredRegistry, issues: DocumentIssue[]): void {
  const at = ['providers', name];
  const own = entryFields(at, entry, PROVIDER_FIELDS, NAME_IS_THE_KEY, issues);
  if (!own) return;
  const { literal_secrets: literals, ...fields } = own;
  const record = validate(ProviderSchema, at, { ...fields, name }, issues);
  const literalSecrets = validate(z.record(z.string(), Fingerprint).default({}), [...at, 'literal_secrets'], literals, issues);
  if (!record || !literalSecrets) return;
  for (const ref of Object.keys(literalSecrets)) {
    if (!record.secrets.includes(ref)) issues.push({ path: [...at, 'literal_secrets', ref], message: `names no entry of secrets` });
  }
  desired.providers.set(name, { record, literalSecrets });
}

function readModel(name: string, entry: unknown, desired: DesiredRegistry, issues: DocumentIssue[]): void {
  const at = ['models', name];
  const own = entryFields(at, entry, MODEL_FIELDS, NAME_IS_THE_KEY, issues);
  const record = own && validate(ModelSchema, at, { ...own, name }, issues);
  if (record) desired.models.set(name, record);
}

function readKey(name: string, entry: unknown, desired: DesiredRegistry, issues: DocumentIssue[]): void {
  const at = ['keys', name];
  const own = entryFields(at, entry, KEY_FIELDS, NOT_IN_KEY, issues);
  if (!own) return;
  const { key, id, ...fields } = own;
  const record = validate(ApiKeySchema, at, { ...fields, ...KEY_STANDINS, name }, issues);
  const keyRef = key === undefined ? undefined : validate(EnvRef, [...at, 'key'], key, issues);
  const keyId = id === undefined ? undefined : validate(KeyId, [...at, 'id'], id, issues);
  if (!record || keyRef === null || keyId === null) return;
  desired.keys.set(name, { settings: keySettings(record), ...(keyId ? { id: keyId } : {}), ...(keyRef ? { keyRef } : {}) });
}

/** A key's settings: its record without name, identity and system fields. */
export function keySettings(k: ApiKey): KeySettings {
  const { name: _n, id: _i, hash: _h, prefix: _p, v: _v, created_at: _c, updated_at: _u, ...settings } = k;
  return settings;
}
