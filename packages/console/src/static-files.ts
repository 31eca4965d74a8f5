import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** A file of the bundled web UI (dist/web), or null. Paths without an extension are pages of the single-page app: index.html. */
export async function webFile(root: string, urlPath: string): Promise<{ body: Buffer; type: string } | null> {
  const rel = extname(urlPath) ? normalize(urlPath).replace(/^(\.\.[/\\])+/, '') : '/index.html';
  const type = TYPES[extname(rel)];
  if (!type) return null;
  try {
    return { body: await readFile(join(root, rel)), type };
  } catch {
    return null;
  }
}
