// The in-process benches' registry (stages-ab, governance-ab): one build's modules imported
// from a checkout, and a registry cache already holding one key, one provider (`fake`) and one
// model, as a busy key's requests find them.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** An importer of `packages/<p>` of the checkout at `root` (e.g. 'gateway/dist/stats.js'). */
export function buildOf(root) {
  return (p) => import(pathToFileURL(path.resolve(root, 'packages', p)).href);
}

/**
 * The records and a RegistryCache over them, for the build `dist` (buildOf). `raw` is the
 * key's raw secret, `key` its other fields (id, limits), `model` the model's (name, prices).
 */
export async function cachedRegistry(dist, { raw, key, model }) {
  const core = await dist('core/dist/index.js');
  const { RegistryCache } = await dist('gateway/dist/cache/registry-cache.js');
  const { pino } = await import('pino');
  const log = pino({ level: 'silent' });
  const k = core.ApiKeySchema.parse({ name: 'bench', hash: core.hashKey(raw), prefix: raw.slice(0, 10), ...key });
  const provider = core.ProviderSchema.parse({ name: 'fake', base_url: 'http://127.0.0.1:1/v1', secrets: ['sk-bench-upstream-secret-0001'] });
  const m = core.ModelSchema.parse({ targets: [{ provider: 'fake', model: model.name }], ...model });
  const registry = { getKeyByHash: async () => k, getProvider: async () => provider, getModel: async (n) => (n === m.name ? m : null), revision: async () => 0 };
  const cache = new RegistryCache(registry, { ttlMs: 3_600_000, negativeTtlMs: 3_600_000, revPollMs: 0 }, log);
  return { core, log, key: k, provider, model: m, cache };
}
