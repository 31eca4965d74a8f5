import { applyRegistry, diffRegistry, formatDocumentPath, RegistryDocumentError, type DocumentIssue, type ImportedConfig } from '@llmgw/core';
import type { Context } from '../../context.js';
import { printApplied } from '../declarative/apply.js';
import type { ChangesFormat } from '../declarative/print-changes.js';
import { reportIssues, type ReadDocument } from '../declarative/read-document.js';

export interface ImportOptions {
  dryRun?: boolean;
  output?: ChangesFormat;
}

/** The file a path of the imported configuration is in (the first one when there is one). */
export type FileOf = (path: DocumentIssue['path']) => ReadDocument;

/**
 * Converts the parsed files (problems reported at file:line), prints one warning per setting
 * that could not be carried over, then applies the result like `gwctl apply` without --prune:
 * what the registry has besides stays. Raw gateway keys from the files reach the registry
 * only hashed, through applyRegistry's environment.
 */
export async function applyImported(ctx: Context, files: ReadDocument[], fileOf: FileOf, convert: () => ImportedConfig, o: ImportOptions): Promise<void> {
  let imported: ImportedConfig;
  try {
    imported = convert();
  } catch (e) {
    if (e instanceof RegistryDocumentError) throw reportIssues(ctx.out, e.issues, (i) => fileOf(i.path).locate(i.path), files.map((f) => f.file).join(', '));
    throw e;
  }
  for (const w of imported.warnings) ctx.out.warn(`${fileOf(w.path).locate(w.path)}: ${formatDocumentPath(w.path)}: ${w.message}`);
  const opts = { prune: false, env: { ...ctx.env, ...imported.env }, now: ctx.now };
  try {
    const r = o.dryRun ? await diffRegistry(ctx.registry, imported.document, opts) : await applyRegistry(ctx.registry, imported.document, opts);
    printApplied(ctx, r, { ...o, source: files.map((f) => f.file).join(', ') });
  } catch (e) {
    // The converted document, not the files: its paths name what it would have written.
    if (e instanceof RegistryDocumentError) throw reportIssues(ctx.out, e.issues, () => 'imported', files.map((f) => f.file).join(', '));
    throw e;
  }
}

