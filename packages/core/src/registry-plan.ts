import type { EntityWrite } from './registry-bulk-write.js';
import { readCurrentRegistry } from './registry-current.js';
import { readRegistryDocument, RegistryDocumentError, type DesiredProvider } from './registry-document.js';
import { fieldChanges, withoutDefaults } from './registry-fields.js';
import { comparable, issue, prunes, stamped, type EntityChange, type PlanContext } from './registry-plan-context.js';
import { planKeys } from './registry-plan-keys.js';
import type { Registry } from './registry.js';
import type { EntityKind } from './redis-keys.js';
import type { McpServer, Model, Provider } from './schemas.js';
import { envVariable, secretFingerprint } from './secrets.js';

export interface ApplyOptions {
  /** Also delete what the document does not name, in the sections it has (`keys:` absent = keys untouched). */
  prune?: boolean;
  /** Environment the `key: env:NAME` raw keys are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock for the records' timestamps. */
  now?: () => Date;
}

/** What applying a document would change. */
export interface RegistryDiff {
  /** Providers, then models, then keys. */
  changes: EntityChange[];
  /** What the person applying should know (a placeholder applied as a reference, an id kept, …). */
  warnings: string[];
}

/** A diff and the writes that make it. */
export interface RegistryPlan extends RegistryDiff {
  writes: EntityWrite[];
}

/** A header value that export redacted: the stored value whose fingerprint this is stays. */
const REDACTED = /^redacted:(sha256:[0-9a-f]{16})$/;

/**
 * Compares a document (parsed YAML or JSON) with the registry. Throws RegistryDocumentError
 * with every problem (schema, unknown names, missing raw keys) before anything is written.
 */
export async function planRegistry(registry: Registry, input: unknown, opts: ApplyOptions = {}): Promise<RegistryPlan> {
  const { desired, issues } = readRegistryDocument(input);
  const current = await readCurrentRegistry(registry);
  const now = (opts.now ?? (() => new Date()))().toISOString();
  const c: PlanContext = { desired, current, prune: opts.prune ?? false, env: opts.env ?? process.env, now, issues, warnings: [], changes: [], writes: [] };
  for (const [name, want] of desired.providers) {
    const have = current.providers.get(name) ?? null;
    const record = withStoredSecrets(c, name, want, have);
    if (record) planPut(c, 'provider', name, have, record, current.brokenProviders.has(name));
  }
  if (prunes(c, 'providers')) planPrune(c, 'provider', current.providers, current.brokenProviders, desired.providers);
  for (const [name, want] of desired.models) planPut(c, 'model', name, current.models.get(name) ?? null, want, current.brokenModels.has(name));
  if (prunes(c, 'models')) planPrune(c, 'model', current.models, current.brokenModels, desired.models);
  planKeys(c);
  for (const [name, want] of desired.mcpServers) {
    const have = current.mcpServers.get(name) ?? null;
    const headers = storedHeaders(c, ['mcp_servers', name], want.headers, have?.headers);
    if (headers) planPut(c, 'mcp', name, have, { ...want, headers }, current.brokenMcpServers.has(name));
  }
  if (prunes(c, 'mcp_servers')) planPrune(c, 'mcp', current.mcpServers, current.brokenMcpServers, desired.mcpServers);
  checkReferences(c);
  if (issues.length) throw new RegistryDocumentError(issues);
  return { changes: c.changes, warnings: c.warnings, writes: c.writes };
}

/** What applying `input` would change, without writing (see planRegistry). */
export async function diffRegistry(registry: Registry, input: unknown, opts: ApplyOptions = {}): Promise<RegistryDiff> {
  const { changes, warnings } = await planRegistry(registry, input, opts);
  return { changes, warnings };
}

function planPut<T extends Provider | Model | McpServer>(c: PlanContext, kind: EntityKind, name: string, have: T | null, want: T, broken: boolean): void {
  const to = comparable(want);
  if (have) {
    const fields = fieldChanges(kind, comparable(have), to);
    if (fields.length === 0) return;
    c.changes.push({ kind, name, op: 'update', fields });
    c.writes.push({ kind, member: name, op: 'put', pre: { kind: 'unchanged', updatedAt: have.updated_at }, fields: stamped(c, want, have) });
    return;
  }
  c.changes.push({ kind, name, op: 'create', fields: fieldChanges(kind, null, withoutDefaults(kind, to)) });
  // A record the registry cannot read is replaced as it is.
  c.writes.push({ kind, member: name, op: 'put', pre: { kind: broken ? 'any' : 'absent' }, fields: stamped(c, want, null) });
}

function planPrune<T extends Provider | Model | McpServer>(c: PlanContext, kind: EntityKind, have: Map<string, T>, broken: Set<string>, want: Map<string, unknown>): void {
  for (const [name, record] of have) {
    if (want.has(name)) continue;
    c.changes.push({ kind, name, op: 'delete', fields: [] });
    c.writes.push({ kind, member: name, op: 'del', pre: { kind: 'unchanged', updatedAt: record.updated_at } });
  }
  for (const name of broken) {
    if (want.has(name)) continue;
    c.changes.push({ kind, name, op: 'delete', fields: [] });
    c.writes.push({ kind, member: name, op: 'del', pre: { kind: 'any' } });
  }
}

/**
 * The provider with what export left out put back from the registry: a placeholder of
 * `literal_secrets` becomes the stored literal with that fingerprint, a `redacted:` header the
 * stored value. A placeholder whose literal is gone is applied as the reference it is.
 */
function withStoredSecrets(c: PlanContext, name: string, want: DesiredProvider, have: Provider | null): Provider | null {
  const literals = (have?.secrets ?? []).filter((s) => envVariable(s) === null);
  const secrets = want.record.secrets.map((ref) => {
    const fingerprint = want.literalSecrets[ref];
    if (!fingerprint) return ref;
    const stored = literals.find((l) => secretFingerprint(l) === fingerprint);
    if (stored !== undefined) return stored;
    c.warnings.push(
      `provider ${name}: no stored secret has the fingerprint ${fingerprint} given for ${ref}; ${ref} is applied as a reference` +
        (envVariable(ref) ? ` (set ${envVariable(ref)} where the gateway runs)` : ''),
    );
    return ref;
  });
  const headers = storedHeaders(c, ['providers', name], want.record.headers, have?.headers);
  return headers ? { ...want.record, secrets, headers } : null;
}

/** Headers with each `redacted:` value put back from the stored one it fingerprints; null (and an issue) when one matches none. */
function storedHeaders(c: PlanContext, at: Array<string | number>, want: Record<string, string>, have: Record<string, string> | undefined): Record<string, string> | null {
  let ok = true;
  const headers: Record<string, string> = {};
  for (const [h, v] of Object.entries(want)) {
    const fingerprint = REDACTED.exec(v)?.[1];
    const stored = have?.[h];
    if (!fingerprint) headers[h] = v;
    else if (stored !== undefined && secretFingerprint(stored) === fingerprint) headers[h] = stored;
    else {
      ok = false;
      issue(c, [...at, 'headers', h], 'a redacted value that matches no value stored in the registry: write the value itself');
    }
  }
  return ok ? headers : null;
}

/** Every name a model, alias or key refers to exists once the document is applied. */
function checkReferences(c: PlanContext): void {
  const { desired, current } = c;
  const after = (kind: 'providers' | 'models', want: Map<string, unknown>, have: Map<string, unknown>, broken: Set<string>) =>
    new Set([...want.keys(), ...(prunes(c, kind) ? [] : [...have.keys(), ...broken])]);
  const providers = after('providers', desired.providers, current.providers, current.brokenProviders);
  const models = after('models', desired.models, current.models, current.brokenModels);
  const nowhere = (kind: 'providers' | 'models') => (prunes(c, kind) ? 'in the document (--prune)' : 'in the document nor in the registry');
  for (const [name, m] of desired.models) {
    m.targets.forEach((t, i) => {
      if (!providers.has(t.provider)) issue(c, ['models', name, 'targets', i, 'provider'], `no provider ${t.provider} ${nowhere('providers')}`);
    });
    if (m.alias_of && !models.has(m.alias_of)) issue(c, ['models', name, 'alias_of'], `no model ${m.alias_of} ${nowhere('models')}`);
  }
  for (const [name, k] of desired.keys) {
    k.settings.providers.forEach((p, i) => {
      if (!providers.has(p)) issue(c, ['keys', name, 'providers', i], `no provider ${p} ${nowhere('providers')}`);
    });
  }
  if (!prunes(c, 'providers')) return;
  // What the document does not name but keeps must not be left pointing at a pruned provider.
  if (!prunes(c, 'models')) {
    for (const [name, m] of current.models) {
      if (desired.models.has(name)) continue;
      for (const t of m.targets) {
        if (!providers.has(t.provider)) issue(c, ['providers'], `--prune deletes provider ${t.provider}, but model ${name}, which the document does not name, routes to it`);
      }
    }
  }
  if (!prunes(c, 'keys')) {
    for (const k of current.allKeys) {
      const gone = desired.keys.has(k.name) ? [] : k.providers.filter((p) => !providers.has(p));
      if (gone.length) c.warnings.push(`key ${k.name} (not in the document) may reach ${gone.join(', ')}, which --prune deletes`);
    }
  }
}
