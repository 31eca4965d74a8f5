import { displayPrefix, generateKeyId, hashKey, importedKeyProblem } from './key-hash.js';
import { keySettings, type DesiredKey } from './registry-document.js';
import { fieldChanges, withoutDefaults, type FieldChange } from './registry-fields.js';
import { issue, prunes, stamped, type PlanContext } from './registry-plan-context.js';
import { ApiKeySchema, type ApiKey } from './schemas.js';
import { envVariable, resolveSecret } from './secrets.js';

/**
 * Keys are matched by name (a document never holds a key's hash). A key the registry lacks is
 * created only with a raw key from `key: env:NAME`, read from the applying process's
 * environment; an existing key whose `key:` resolves to another raw key is rotated to it
 * (same id and settings, the old raw key stops working).
 */
export function planKeys(c: PlanContext): void {
  const owners = new Map(c.current.allKeys.map((k) => [k.hash, k.name]));
  const ids = new Map(c.current.allKeys.map((k) => [k.id, k.name]));
  for (const [name, want] of c.desired.keys) {
    const at = ['keys', name];
    if (c.current.duplicateKeyNames.has(name)) {
      issue(c, at, `more than one key in the registry is named ${name}; delete the extra ones (gwctl key del <id>) first`);
      continue;
    }
    const have = c.current.keys.get(name) ?? null;
    const raw = rawKeyOf(c, name, want, have);
    if (raw === null) continue;
    if (!have && raw === undefined) {
      issue(c, at, `no key named ${name} in the registry: to create it, give its raw key as key: env:NAME (read from the environment of gwctl), or create it with gwctl key add ${name} and apply again`);
      continue;
    }
    const hash = raw === undefined ? have!.hash : hashKey(raw);
    const owner = owners.get(hash);
    if (owner !== undefined && owner !== name) {
      issue(c, [...at, 'key'], `${want.keyRef} holds the raw key of key ${owner}`);
      continue;
    }
    owners.set(hash, name);
    const id = keyId(c, ids, name, want, have);
    if (id === null) continue;
    ids.set(id, name);
    planKey(c, name, want, have, raw, hash, id);
  }
  if (prunes(c, 'keys')) {
    for (const k of c.current.allKeys) {
      if (c.desired.keys.has(k.name)) continue;
      c.changes.push({ kind: 'key', name: k.name, op: 'delete', fields: [] });
      c.writes.push({ kind: 'key', member: k.hash, op: 'del', pre: { kind: 'unchanged', updatedAt: k.updated_at } });
    }
  }
}

/** The id of the key: its own when it exists, else the document's (unless another key has it) or a new one; null after reporting a problem. */
function keyId(c: PlanContext, ids: Map<string, string>, name: string, want: DesiredKey, have: ApiKey | null): string | null {
  if (have) {
    if (want.id && want.id !== have.id) c.warnings.push(`key ${name}: the document's id ${want.id} is not the registry's ${have.id}; a key keeps its id`);
    return have.id;
  }
  const user = want.id === undefined ? undefined : ids.get(want.id);
  if (user !== undefined) {
    issue(c, ['keys', name, 'id'], `key ${user} already has id ${want.id}`);
    return null;
  }
  return want.id ?? generateKeyId();
}

/** The raw key `key: env:NAME` gives: undefined when there is none to use, null after reporting a problem. */
function rawKeyOf(c: PlanContext, name: string, want: DesiredKey, have: ApiKey | null): string | undefined | null {
  if (!want.keyRef) return undefined;
  const variable = envVariable(want.keyRef)!;
  const raw = resolveSecret(want.keyRef, c.env);
  if (raw === undefined) {
    if (have) {
      c.warnings.push(`key ${name}: $${variable} is not set; the key keeps its raw key`);
      return undefined;
    }
    issue(c, ['keys', name, 'key'], `$${variable} is not set in the environment of gwctl`);
    return null;
  }
  const problem = importedKeyProblem(raw);
  if (problem) {
    issue(c, ['keys', name, 'key'], `the raw key in $${variable} ${problem}`);
    return null;
  }
  return raw;
}

function planKey(c: PlanContext, name: string, want: DesiredKey, have: ApiKey | null, raw: string | undefined, hash: string, id: string): void {
  const prefix = raw === undefined ? have!.prefix : displayPrefix(raw);
  const record = ApiKeySchema.parse({ ...want.settings, name, id, hash, prefix });
  const fields: FieldChange[] = have ? fieldChanges('key', keySettings(have), want.settings) : fieldChanges('key', null, withoutDefaults('key', want.settings));
  const rotated = have !== null && have.hash !== hash;
  if (!have) fields.unshift({ field: 'key', to: `${prefix}… (from ${want.keyRef})` });
  else if (rotated) fields.unshift({ field: 'key', from: `${have.prefix}…`, to: `${prefix}… (from ${want.keyRef})` });
  if (have && fields.length === 0) return;
  c.changes.push({ kind: 'key', name, op: have ? 'update' : 'create', fields });
  const fieldsOf = stamped(c, record, have);
  if (!have || rotated) c.writes.push({ kind: 'key', member: hash, op: 'put', pre: { kind: 'absent' }, fields: fieldsOf });
  if (have && rotated) c.writes.push({ kind: 'key', member: have.hash, op: 'del', pre: { kind: 'unchanged', updatedAt: have.updated_at } });
  if (have && !rotated) c.writes.push({ kind: 'key', member: hash, op: 'put', pre: { kind: 'unchanged', updatedAt: have.updated_at }, fields: fieldsOf });
}
