import { readFile } from 'node:fs/promises';
import { formatDocumentPath, RegistryDocumentError, type DocumentIssue, type DocumentPath } from '@llmgw/core';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Output } from '../../output.js';
import { UserError } from '../../errors.js';

/** A YAML or JSON file as read, with the way back from a path in it to its line. */
export interface ReadDocument {
  file: string;
  value: unknown;
  /** `file:line:col` of the deepest node of `path` the file has (the key's position for a mapping entry). */
  locate(path: DocumentPath): string;
}

/** Reads and parses a YAML (or JSON: YAML accepts it) file; a syntax error is a user error naming file:line:col. */
export async function readDocument(file: string): Promise<ReadDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const [syntax] = doc.errors;
  if (syntax) throw new UserError(`${at(syntax.pos[0])}: ${syntax.message.split('\n')[0]}`);
  const locate = (path: DocumentPath): string => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number' && node.items[step]) {
        node = node.items[step];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    return at(offset);
  };
  return { file, value: doc.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/** One line per problem, `file:line:col: path: message`, on stderr; then the user error to end with. */
export function reportIssues(out: Output, issues: readonly DocumentIssue[], where: (issue: DocumentIssue) => string, what: string): UserError {
  for (const i of issues) out.info(`${where(i)}: ${formatDocumentPath(i.path)}: ${i.message}`);
  return new UserError(`${what}: ${issues.length} problem${issues.length === 1 ? '' : 's'} (listed above); nothing was written`);
}

/** Runs `fn`; a RegistryDocumentError it throws is reported against the file it came from. */
export async function withFileIssues<T>(out: Output, doc: ReadDocument, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RegistryDocumentError) throw reportIssues(out, e.issues, (i) => doc.locate(i.path), doc.file);
    throw e;
  }
}
