// The configuration and request examples of the seed projects' pages (../shared/reference,
// outside this repository), parsed out of their text. tests/fixtures/seed-configs keeps a copy
// of each for checkouts without the pages (CI); a test checks that the copies still match.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REFERENCE_DIR = process.env.GW_REFERENCE_DIR ?? path.resolve(ROOT, '../shared/reference');
const FIXTURES = path.join(ROOT, 'tests/fixtures/seed-configs');

/** The text of seed page `NNN_*.txt`, or null when the pages are not next to this checkout. */
export function referencePage(seed: string): string | null {
  if (!existsSync(REFERENCE_DIR)) return null;
  const name = readdirSync(REFERENCE_DIR).find((f) => f.startsWith(`${seed}_`) && f.endsWith('.txt'));
  return name ? readFileSync(path.join(REFERENCE_DIR, name), 'utf8') : null;
}

/** The lines strictly between the first line equal to `from` (after `after`, when given) and the next line starting with `to`, trimmed of blank lines. */
function between(text: string, from: string, to: string, after = 0): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l, i) => i >= after && l.trim() === from);
  if (start < 0) throw new Error(`no line "${from}"`);
  const end = lines.findIndex((l, i) => i > start && l.trim().startsWith(to));
  return `${lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim()}\n`;
}

export interface SeedExamples {
  /** Where they came from: the pages themselves, or the checked-in copies. */
  source: 'reference' | 'fixtures';
  files: Record<string, string>;
}

/**
 * Seed 001 (llm-gateway-lite): the example providers.yaml and models.yaml of its quick start,
 * and the two routing scenarios (`# models.yaml` then `# providers.yaml` under 配置示例).
 */
export function liteExamples(text = referencePage('001')): SeedExamples {
  if (text === null) return { source: 'fixtures', files: readFixtures('001-') };
  const files: Record<string, string> = {
    'providers.yaml': between(text, 'providers.yaml 示例', 'models.yaml 示例'),
    'models.yaml': between(text, 'models.yaml 示例', '3️⃣'),
  };
  let at = 0;
  for (const scenario of ['failover', 'weighted']) {
    const lines = text.split('\n');
    at = lines.findIndex((l, i) => i > at && l.trim() === '配置示例');
    const block = between(text, '配置示例', '效果', at);
    const [models, providers] = block.split('# providers.yaml');
    files[`${scenario}-models.yaml`] = `${models!.replace('# models.yaml', '').trim()}\n`;
    files[`${scenario}-providers.yaml`] = `${providers!.trim()}\n`;
  }
  return { source: 'reference', files };
}

/** Seed 003 (OpenBridge): the config.json of its install section (its first ```json block). */
export function openBridgeExamples(text = referencePage('003')): SeedExamples {
  if (text === null) return { source: 'fixtures', files: readFixtures('003-') };
  const json = /```json\n([\s\S]*?)\n```/.exec(text)?.[1];
  if (!json) throw new Error('no ```json block in the OpenBridge page');
  return { source: 'reference', files: { 'config.json': `${json}\n` } };
}

export interface CurlExample {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Every `curl … -d '{…}'` command of a page: URL, -H headers and the JSON body. */
function curlExamples(text: string): CurlExample[] {
  const out: CurlExample[] = [];
  const joined = text.replace(/\\\n/g, ' ');
  for (const m of joined.matchAll(/curl ([^\n]*?)-d '([^']*)'/g)) {
    const args = m[1]!;
    const url = /(https?:\/\/\S+)/.exec(args)?.[1];
    if (!url) continue;
    const headers: Record<string, string> = {};
    for (const h of args.matchAll(/-H ["']([^:"']+):\s*([^"']*)["']/g)) headers[h[1]!.toLowerCase()] = h[2]!;
    out.push({ url, headers, body: JSON.parse(m[2]!) });
  }
  return out;
}

/** The checked-in copies of one seed's examples, by file name without the seed prefix. */
export function readFixtures(prefix: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(FIXTURES)
      .filter((f) => f.startsWith(prefix))
      .map((f) => [f.slice(prefix.length), readFileSync(path.join(FIXTURES, f), 'utf8')]),
  );
}

/** The request examples of a seed: from its page, else the checked-in copy (`requests-NNN.json`). */
export function seedRequests(seed: '001' | '003', text = referencePage(seed)): CurlExample[] {
  if (text !== null) return curlExamples(text);
  return JSON.parse(readFileSync(path.join(FIXTURES, `requests-${seed}.json`), 'utf8')) as CurlExample[];
}
