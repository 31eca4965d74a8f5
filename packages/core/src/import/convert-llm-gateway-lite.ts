import { RegistryDocumentError, type DocumentIssue, type ModelEntry, type ProviderEntry } from '../registry-document.js';
import type { ModelTarget } from '../schemas.js';
import { isRecord, warnUnknown, type ImportedConfig } from './imported-config.js';
import { mapLiteAuth } from './map-lite-auth.js';
import { baseUrlForEndpoint } from './openai-base-url.js';

/** Its chat endpoint when a provider names none (the path of OpenAI's API). */
const DEFAULT_CHAT_PATH = '/v1/chat/completions';
const PROVIDER_SETTINGS = ['type', 'base_url', 'endpoints', 'auth', 'keys', 'weight', 'timeout_ms', 'ssl_verify'];
const MODEL_SETTINGS = ['aliases', 'provider_map', 'policy'];

/**
 * llm-gateway-lite's `providers.yaml` and `models.yaml` (parsed) as a registry document.
 * Paths of problems and warnings start with `providers` (in providers.yaml) or `models`
 * (in models.yaml). Throws RegistryDocumentError when a file is not that gateway's shape.
 *
 * Routing: a model's `provider_map` becomes its targets; with `policy.default_provider` the
 * model routes by `priority` (that provider's target first, the others after it, shared by
 * provider weight), without it by `weighted` (provider weights); `allow_providers` keeps only
 * those targets. `aliases` become alias models.
 */
export function convertLlmGatewayLite(files: { providers: unknown; models: unknown }): ImportedConfig {
  const issues: DocumentIssue[] = [];
  const warnings: DocumentIssue[] = [];
  const providersIn = section(files.providers, 'providers', issues);
  const modelsIn = section(files.models, 'models', issues);
  if (issues.length) throw new RegistryDocumentError(issues);
  const providers: Record<string, ProviderEntry> = {};
  for (const [name, p] of Object.entries(providersIn)) {
    const entry = convertProvider(name, p, warnings, issues);
    if (entry) providers[name] = entry;
  }
  const models: Record<string, ModelEntry> = {};
  for (const [name, m] of Object.entries(modelsIn)) convertModel(name, m, providers, models, warnings);
  if (issues.length) throw new RegistryDocumentError(issues);
  return { document: { version: 1, providers, models }, env: {}, warnings };
}

function section(file: unknown, name: 'providers' | 'models', issues: DocumentIssue[]): Record<string, unknown> {
  const value = isRecord(file) ? file[name] : undefined;
  if (isRecord(value)) return value;
  issues.push({ path: [name], message: `${name}.yaml has a ${name}: mapping from name to settings` });
  return {};
}

function convertProvider(name: string, p: unknown, warnings: DocumentIssue[], issues: DocumentIssue[]): ProviderEntry | null {
  const at = ['providers', name];
  if (!isRecord(p)) {
    issues.push({ path: at, message: 'expected a mapping of settings' });
    return null;
  }
  warnUnknown(p, PROVIDER_SETTINGS, at, warnings);
  if (p.type !== undefined && p.type !== 'openai_compat') {
    warnings.push({ path: [...at, 'type'], message: `type ${JSON.stringify(p.type)} is imported as an OpenAI-compatible provider` });
  }
  if (typeof p.base_url !== 'string') {
    issues.push({ path: [...at, 'base_url'], message: 'a provider needs a base_url' });
    return null;
  }
  const baseUrl = providerBaseUrl(p.base_url, p.endpoints, [...at, 'endpoints'], warnings, issues);
  if (!baseUrl) return null;
  const auth = mapLiteAuth(p.auth, [...at, 'auth'], warnings);
  const entry: ProviderEntry = { type: 'openai', base_url: baseUrl, ...auth.fields, secrets: secretsOf(p.keys, [...at, 'keys'], warnings) };
  if (p.weight !== undefined) entry.weight = p.weight as number;
  // OpenResty's timeouts bound each connect, send and read, not the whole response: the
  // equivalent is a deadline for the connection, the first byte and each silence.
  if (p.timeout_ms !== undefined) {
    const ms = p.timeout_ms as number;
    Object.assign(entry, { connect_timeout_ms: ms, first_byte_timeout_ms: ms, idle_timeout_ms: ms });
  }
  if (p.ssl_verify === false) warnings.push({ path: [...at, 'ssl_verify'], message: 'upstream certificates are always verified here; ssl_verify: false is dropped' });
  return entry;
}

function providerBaseUrl(base: string, endpoints: unknown, at: DocumentIssue['path'], warnings: DocumentIssue[], issues: DocumentIssue[]): string | null {
  const chat = isRecord(endpoints) && typeof endpoints.chat_completions === 'string' ? endpoints.chat_completions : DEFAULT_CHAT_PATH;
  let url: string | null;
  try {
    url = baseUrlForEndpoint(base, chat);
  } catch {
    issues.push({ path: [...at.slice(0, -1), 'base_url'], message: `not a URL: ${base}` });
    return null;
  }
  if (!url) {
    warnings.push({ path: [...at, 'chat_completions'], message: `${chat} does not end with /chat/completions, which this gateway appends to the base URL; the base URL is used as given` });
    url = base.replace(/\/+$/, '');
  }
  if (isRecord(endpoints)) {
    for (const [kind, path] of Object.entries(endpoints)) {
      if (kind === 'chat_completions') continue;
      const suffix = kind === 'embeddings' ? '/embeddings' : kind === 'completions' ? '/completions' : kind === 'models' ? '/models' : null;
      const expected = suffix && url.slice(new URL(url).origin.length) + suffix;
      if (!expected || path !== expected) {
        warnings.push({ path: [...at, kind], message: `every endpoint is the base URL ${url} plus its OpenAI path here; ${String(path)} is dropped` });
      }
    }
  }
  return url;
}

function secretsOf(keys: unknown, at: DocumentIssue['path'], warnings: DocumentIssue[]): string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) {
    warnings.push({ path: at, message: 'not a list of {id, value}; no secret imported' });
    return [];
  }
  const secrets: string[] = [];
  keys.forEach((k, i) => {
    if (!isRecord(k) || typeof k.value !== 'string' || k.value === '') {
      warnings.push({ path: [...at, i], message: 'no value; skipped' });
      return;
    }
    warnUnknown(k, ['id', 'value'], [...at, i], warnings);
    secrets.push(k.value);
  });
  if (keys.some((k) => isRecord(k) && k.id !== undefined)) {
    warnings.push({ path: at, message: 'key ids are not kept: secrets are numbered #1, #2… in their order here' });
  }
  return secrets;
}

function convertModel(name: string, m: unknown, providers: Record<string, ProviderEntry>, models: Record<string, ModelEntry>, warnings: DocumentIssue[]): void {
  const at = ['models', name];
  if (!isRecord(m)) {
    warnings.push({ path: at, message: 'not a mapping of settings; skipped' });
    return;
  }
  warnUnknown(m, MODEL_SETTINGS, at, warnings);
  const policy = isRecord(m.policy) ? m.policy : {};
  warnUnknown(policy, ['default_provider', 'allow_providers'], [...at, 'policy'], warnings);
  const allow = Array.isArray(policy.allow_providers) ? policy.allow_providers.map(String) : null;
  const preferred = typeof policy.default_provider === 'string' ? policy.default_provider : undefined;
  const targets: ModelTarget[] = [];
  for (const [provider, upstream] of Object.entries(isRecord(m.provider_map) ? m.provider_map : {})) {
    if (allow && !allow.includes(provider)) continue;
    if (!providers[provider]) {
      warnings.push({ path: [...at, 'provider_map', provider], message: `no provider ${provider} in providers.yaml; this target is dropped` });
      continue;
    }
    targets.push({ provider, model: String(upstream), weight: 1, priority: preferred === undefined || provider === preferred ? 0 : 1 });
  }
  if (targets.length === 0) {
    warnings.push({ path: [...at, 'provider_map'], message: 'no provider can serve this model; it is not imported' });
    return;
  }
  if (preferred !== undefined && !targets.some((t) => t.provider === preferred)) {
    warnings.push({ path: [...at, 'policy', 'default_provider'], message: `${preferred} serves no target of this model; routing is by weight` });
  }
  const byPriority = preferred !== undefined && targets.some((t) => t.provider === preferred);
  if (models[name]) warnings.push({ path: at, message: `${name} is also an alias of ${models[name].alias_of}; the model wins` });
  models[name] = { targets, policy: byPriority ? 'priority' : 'weighted' };
  for (const alias of Array.isArray(m.aliases) ? m.aliases.map(String) : []) {
    if (alias === name) continue;
    if (models[alias]) {
      warnings.push({ path: [...at, 'aliases'], message: `${alias} is already a model or alias; not made an alias of ${name}` });
      continue;
    }
    models[alias] = { alias_of: name };
  }
}
