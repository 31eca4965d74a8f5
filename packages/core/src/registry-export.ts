import type { KeyEntry, McpServerEntry, ModelEntry, ProviderEntry, RegistryDocument } from './registry-document.js';
import { keySettings } from './registry-document.js';
import { withoutDefaults } from './registry-fields.js';
import { comparable } from './registry-plan-context.js';
import { listMcpServers } from './registry-mcp.js';
import type { Registry } from './registry.js';
import type { Provider } from './schemas.js';
import { envVariable, isSensitiveHeader, secretFingerprint } from './secrets.js';

export interface RegistryExport {
  document: RegistryDocument;
  /** One line per secret left out, per key that could not be exported. */
  warnings: string[];
}

/** `OPENAI` for provider `openai`, `AZURE_EU` for `azure-eu`: the stem of a placeholder variable. */
function envStem(provider: string): string {
  const stem = provider.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(stem) ? `_${stem}` : stem;
}

/**
 * A provider as a document holds it. Literal secrets never leave the registry: each becomes a
 * placeholder `env:<PROVIDER>_API_KEY` (`_2`, `_3`… when there are several) with the literal's
 * fingerprint under `literal_secrets`, which tells apply to keep the stored literal; a
 * credential-like extra header's value becomes `redacted:<fingerprint>` likewise.
 */
function providerEntry(p: Provider, warnings: string[]): ProviderEntry {
  const entry: ProviderEntry = withoutDefaults('provider', comparable(p) as Omit<Provider, 'name'>);
  const used = new Set(p.secrets.map(envVariable).filter((v) => v !== null));
  const literal_secrets: Record<string, string> = {};
  let n = 0;
  const placeholder = (): string => {
    for (;;) {
      n++;
      const variable = `${envStem(p.name)}_API_KEY${n === 1 ? '' : `_${n}`}`;
      if (used.has(variable)) continue;
      used.add(variable);
      return `env:${variable}`;
    }
  };
  if (p.secrets.length) {
    entry.secrets = p.secrets.map((s) => {
      if (envVariable(s) !== null) return s;
      const ref = placeholder();
      literal_secrets[ref] = secretFingerprint(s);
      warnings.push(`provider ${p.name}: a literal secret is exported as the placeholder ${ref}; apply keeps the stored literal (its fingerprint is under literal_secrets), a registry without it gets the reference`);
      return ref;
    });
  }
  if (entry.headers) {
    entry.headers = Object.fromEntries(
      Object.entries(entry.headers).map(([h, v]) => {
        if (!isSensitiveHeader(h)) return [h, v];
        warnings.push(`provider ${p.name}: the value of header ${h} is exported redacted; apply keeps the stored value`);
        return [h, `redacted:${secretFingerprint(v)}`];
      }),
    );
  }
  if (Object.keys(literal_secrets).length) entry.literal_secrets = literal_secrets;
  return entry;
}

/**
 * The whole registry as one document: providers, models (aliases included) and keys'
 * settings, each without its defaults, sorted by name. Never a raw key, a key's hash or a
 * literal upstream secret (see providerEntry). `applyRegistry` of the result changes nothing.
 */
export async function exportRegistry(registry: Registry): Promise<RegistryExport> {
  const warnings: string[] = [];
  const [providers, models, keys, mcpServers] = await Promise.all([registry.listProviders(), registry.listModels(), registry.listKeys(), listMcpServers(registry)]);
  const out: Required<Omit<RegistryDocument, 'version'>> = { providers: {}, models: {}, keys: {}, mcp_servers: {} };
  for (const p of providers) out.providers[p.name] = providerEntry(p, warnings);
  for (const m of models) {
    const entry = withoutDefaults('model', comparable(m)) as ModelEntry;
    // A target's weight 1 and priority 0 are its defaults too.
    if (entry.targets) entry.targets = entry.targets.map(({ weight, priority, ...t }) => ({ ...t, ...(weight !== 1 ? { weight } : {}), ...(priority !== 0 ? { priority } : {}) }));
    out.models[m.name] = entry;
  }
  for (const k of [...keys].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))) {
    const first = out.keys[k.name];
    if (first) {
      warnings.push(`key ${k.name}: another key has this name; only the first (id ${first.id}) is exported, delete or rename the other (id ${k.id})`);
      continue;
    }
    const entry: KeyEntry = { id: k.id, ...withoutDefaults('key', keySettings(k)) };
    out.keys[k.name] = entry;
  }
  for (const s of mcpServers) {
    const entry = withoutDefaults('mcp', comparable(s)) as McpServerEntry;
    // Every literal MCP header value is treated as a credential (env: references stay as they are).
    if (entry.headers) {
      entry.headers = Object.fromEntries(
        Object.entries(entry.headers).map(([h, v]) => {
          if (envVariable(v) !== null) return [h, v];
          warnings.push(`mcp server ${s.name}: the value of header ${h} is exported redacted; apply keeps the stored value`);
          return [h, `redacted:${secretFingerprint(v)}`];
        }),
      );
    }
    out.mcp_servers[s.name] = entry;
  }
  const { mcp_servers, ...rest } = out;
  // A registry without MCP servers exports the document it always did.
  const document: RegistryDocument = { version: 1, ...rest, ...(Object.keys(mcp_servers).length ? { mcp_servers } : {}) };
  return { document, warnings };
}
