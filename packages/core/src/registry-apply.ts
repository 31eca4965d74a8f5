import { writeEntities } from './registry-bulk-write.js';
import { planRegistry, type ApplyOptions, type RegistryDiff } from './registry-plan.js';

export interface ApplyHooks {
  /** Called with the changes before anything is written (to confirm deletions); throwing writes nothing. */
  beforeWrite?: (diff: RegistryDiff) => Promise<void>;
}
import type { Registry } from './registry.js';

export interface RegistryApplyResult extends RegistryDiff {
  /** `gw:rev` after the apply: bumped once when something changed, as it was otherwise. */
  revision: number;
}

/**
 * Makes the registry match a document (parsed YAML or JSON) in one step: everything is
 * validated and compared first (a RegistryDocumentError names every problem and nothing is
 * written), then every change is written at once with one `gw:rev` bump and one `gw:events`
 * message, so each gateway pod drops what changed once (see writeEntities for the guarantee,
 * all or nothing except on Redis Cluster). A document that matches writes nothing.
 * `beforeWrite` sees the changes first, e.g. to confirm deletions.
 */
export async function applyRegistry(registry: Registry, input: unknown, opts: ApplyOptions & ApplyHooks = {}): Promise<RegistryApplyResult> {
  const { changes, warnings, writes } = await planRegistry(registry, input, opts);
  // What is confirmed is what is written: a change made meanwhile fails the write's preconditions.
  if (writes.length) await opts.beforeWrite?.({ changes, warnings });
  const revision = writes.length ? await writeEntities(registry.redis, writes) : await registry.revision();
  // One entry for the whole apply: what changed, by name (records are in the document applied).
  if (writes.length) await registry.audit('registry.apply', `rev ${revision}`, null, { changes: changes.map((c) => ({ kind: c.kind, name: c.name, op: c.op })) });
  return { changes, warnings, revision };
}
