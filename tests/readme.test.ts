import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../packages/gateway/src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// The README, or a page of docs/ it links to (the README is being split into docs/ pages).
const docs = readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => readFileSync(new URL(`../docs/${f}`, import.meta.url), 'utf8'));
const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');

describe('README stays true', () => {
  it('documents every configuration variable the gateway reads', () => {
    const missing = Object.keys(ConfigSchema.shape).filter((k) => ![readme, ...docs].some((d) => d.includes(`\`${k}\``)));
    expect(missing).toEqual([]);
  });
  it('gives the test command CI runs', () => {
    expect(readme).toMatch(/^npm test\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});
