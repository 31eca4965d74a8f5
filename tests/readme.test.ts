import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../packages/gateway/src/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const readme = read('README.md');
const ci = read('.ci/run');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
function anchors(file: string): Set<string> {
  const text = read(file).replace(/```[\s\S]*?```/g, '');
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
    let s = slug(m[1]!);
    for (let n = 1; out.has(s); n++) s = `${slug(m[1]!)}-${n}`;
    out.add(s);
  }
  return out;
}
/** Relative links of a markdown file, code blocks and inline code left out. */
function links(file: string): string[] {
  const text = read(file).replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
}

describe('README and docs stay true', () => {
  it('gives the test command CI runs', () => {
    expect(readme).toMatch(/^npm test\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
  it('stays a front door: short, and linking every page of docs/', () => {
    expect(readme.length).toBeLessThan(12_000);
    const unlinked = DOCS.filter((d) => !readme.includes(`](${d})`));
    expect(unlinked).toEqual([]);
  });
  it('documents every configuration variable, in the reference generated from the schema', () => {
    const conf = read('docs/configuration.md');
    const missing = Object.keys(ConfigSchema.shape).filter((k) => !conf.includes(`| \`${k}\` |`));
    expect(missing).toEqual([]);
    const r = spawnSync(process.execPath, ['scripts/config-reference.mjs', '--check', 'docs/configuration.md'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it('every relative link of the README and docs/ points at a file and heading that exist', () => {
    const broken: string[] = [];
    for (const file of ['README.md', ...DOCS]) {
      for (const link of links(file)) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), path));
        if (!existsSync(join(ROOT, target))) broken.push(`${file}: ${link} (no ${target})`);
        else if (anchor && target.endsWith('.md') && !anchors(target).has(anchor)) broken.push(`${file}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
