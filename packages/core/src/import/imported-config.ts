import type { DocumentIssue, RegistryDocument } from '../registry-document.js';

/**
 * Another gateway's configuration turned into a registry document. `env` holds the raw
 * gateway keys the document names as `key: env:NAME` (they came from the imported files and
 * are handed to applyRegistry, never written anywhere else); `warnings` say, one each, what
 * the source configures that the registry cannot express, at its path in the source.
 */
export interface ImportedConfig {
  document: RegistryDocument;
  env: Record<string, string>;
  warnings: DocumentIssue[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The settings of `entry` that `known` does not list, one warning each. */
export function warnUnknown(entry: Record<string, unknown>, known: readonly string[], at: DocumentIssue['path'], warnings: DocumentIssue[]): void {
  for (const k of Object.keys(entry)) if (!known.includes(k)) warnings.push({ path: [...at, k], message: 'not a setting this gateway has; dropped' });
}
