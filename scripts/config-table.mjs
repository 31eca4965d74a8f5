#!/usr/bin/env node
// Prints the README's configuration table from packages/gateway/src/config.ts (doc comment,
// name, default), so the table is regenerated rather than retyped:
//   node scripts/config-table.mjs
import { readFileSync } from 'node:fs';

const src = readFileSync(new URL('../packages/gateway/src/config.ts', import.meta.url), 'utf8');
const body = src.slice(src.indexOf('z.object({') + 10, src.indexOf('\n});'));
const rows = [];
let doc = '';
for (const block of body.split(/\n(?=\s*(?:\/\*\*|[A-Z_]+:))/)) {
  const t = block.trim();
  if (t.startsWith('/**')) {
    doc = t.replace(/^\/\*\*|\*\/$/g, '').split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim()).join(' ').trim();
    const rest = t.slice(t.indexOf('*/') + 2).trim();
    if (!rest) continue;
    rows.push(parse(rest, doc));
  } else {
    rows.push(parse(t, doc));
  }
  doc = '';
}
function parse(line, d) {
  const name = /^([A-Z_]+):/.exec(line)?.[1];
  let def = /\.default\(([^)]*)\)/.exec(line)?.[1] ?? /ms\(([^)]*)\)/.exec(line)?.[1] ?? '';
  if (line.includes('.optional()')) def = '(unset)';
  def = def.replace(/_/g, '').replace(/^'(.*)'$/, '$1');
  if (def === '16 * 1024 * 1024') def = '16777216 (16 MiB)';
  return { name, def, doc: d };
}
console.log('| variable | default | meaning |\n| --- | --- | --- |');
for (const r of rows.filter((r) => r.name)) console.log(`| \`${r.name}\` | ${r.def === '' ? '' : `\`${r.def}\``} | ${r.doc} |`);
