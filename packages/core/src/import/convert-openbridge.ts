import { importedKeyProblem } from '../key-hash.js';
import { RegistryDocumentError, type DocumentIssue, type KeyEntry, type ModelEntry, type ProviderEntry } from '../registry-document.js';
import type { ModelTarget } from '../schemas.js';
import { isRecord, warnUnknown, type ImportedConfig } from './imported-config.js';
import { baseUrlForClientPath } from './openai-base-url.js';

interface Upstream {
  group: string;
  /** The model name sent upstream. */
  name: string;
  base: string;
  key: string;
}

/**
 * OpenBridge's `config.json` (parsed) as a registry document. Each distinct (base, key) pair
 * is a provider named after its host; each `group` is the public name clients ask for: an
 * alias of the model named after its upstream model when the group has one upstream model
 * that no other group uses, else a model of its own whose targets are the group's entries,
 * round robin as there. Responses carry the name the client asked for, as there. Each
 * `security` token becomes a key `openbridge-<n>` with that raw key, allowed the groups only.
 */
export function convertOpenBridge(config: unknown): ImportedConfig {
  const issues: DocumentIssue[] = [];
  const warnings: DocumentIssue[] = [];
  if (!isRecord(config) || !Array.isArray(config.providers)) {
    throw new RegistryDocumentError([{ path: ['providers'], message: 'an OpenBridge config.json has a providers list' }]);
  }
  warnUnknown(config, ['providers', 'security'], [], warnings);
  const upstreams = config.providers.map((p, i) => readUpstream(p, i, warnings, issues)).filter((u) => u !== null);
  if (issues.length) throw new RegistryDocumentError(issues);

  const providers: Record<string, ProviderEntry> = {};
  const providerOf = new Map<string, string>();
  for (const u of upstreams) {
    const id = `${u.base}\0${u.key}`;
    if (providerOf.has(id)) continue;
    const name = unique(providerName(u.base), providers);
    providerOf.set(id, name);
    providers[name] = { type: 'openai', base_url: baseUrlForClientPath(u.base), secrets: [u.key] };
  }

  const models: Record<string, ModelEntry> = {};
  const groups = groupBy(upstreams, (u) => u.group);
  const groupsOfName = groupBy(upstreams, (u) => u.name);
  for (const [group, entries] of groups) {
    const targets = entries.map((u): ModelTarget => ({ provider: providerOf.get(`${u.base}\0${u.key}`)!, model: u.name, weight: 1, priority: 0 }));
    const names = new Set(entries.map((u) => u.name));
    const [only] = names;
    const ownName = names.size === 1 && only !== group && !groups.has(only!) && groupsOfName.get(only!)!.every((u) => u.group === group);
    if (ownName) {
      models[only!] = { targets, policy: 'round-robin' };
      models[group] = { alias_of: only! };
    } else {
      models[group] = { targets, policy: 'round-robin' };
    }
  }

  const keys: Record<string, KeyEntry> = {};
  const env: Record<string, string> = {};
  const seen = new Set<string>();
  const tokens: unknown[] = Array.isArray(config.security) ? config.security : [];
  if (config.security !== undefined && !Array.isArray(config.security)) warnings.push({ path: ['security'], message: 'not a list of tokens; no key imported' });
  tokens.forEach((token, i) => {
    const problem = typeof token !== 'string' ? 'is not a string' : seen.has(token) ? 'repeats an earlier token' : importedKeyProblem(token);
    if (problem) {
      warnings.push({ path: ['security', i], message: `this token ${problem}; it is not imported` });
      return;
    }
    seen.add(token as string);
    const variable = `OPENBRIDGE_SECURITY_${i}`;
    env[variable] = token as string;
    keys[`openbridge-${i + 1}`] = { key: `env:${variable}`, models: [...groups.keys()] };
  });
  return { document: { version: 1, providers, models, keys }, env, warnings };
}

function readUpstream(p: unknown, i: number, warnings: DocumentIssue[], issues: DocumentIssue[]): Upstream | null {
  const at = ['providers', i];
  if (!isRecord(p)) {
    issues.push({ path: at, message: 'expected {group, name, base, key}' });
    return null;
  }
  warnUnknown(p, ['group', 'name', 'base', 'key'], at, warnings);
  const missing = ['group', 'name', 'base', 'key'].filter((f) => typeof p[f] !== 'string' || p[f] === '');
  for (const f of missing) issues.push({ path: [...at, f], message: 'a provider entry needs group, name, base and key' });
  if (missing.length) return null;
  try {
    new URL(p.base as string);
  } catch {
    issues.push({ path: [...at, 'base'], message: 'not a URL' });
    return null;
  }
  return p as unknown as Upstream;
}

/** `https://api.openai.com` → `openai`, `https://openrouter.ai/api` → `openrouter`, `http://127.0.0.1:8080` → `127-0-0-1-8080`. */
function providerName(base: string): string {
  const u = new URL(base);
  const labels = u.hostname.split('.');
  const isIp = /^[0-9.]+$/.test(u.hostname) || u.hostname.includes(':');
  let stem = isIp || labels.length < 2 ? [u.hostname, u.port].filter(Boolean).join('-') : labels.filter((l, i) => !(i === 0 && (l === 'api' || l === 'www'))).slice(0, -1).join('-');
  stem = stem.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (stem || 'openbridge').slice(0, 60);
}

// Map.groupBy is Node 21+.
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(keyOf(item), [...(out.get(keyOf(item)) ?? []), item]);
  return out;
}

function unique(name: string, taken: Record<string, unknown>): string {
  if (!taken[name]) return name;
  for (let n = 2; ; n++) if (!taken[`${name}-${n}`]) return `${name}-${n}`;
}
