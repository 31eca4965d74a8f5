#!/usr/bin/env node
// Prints the field tables of docs/declarative-config.md (field, default) from the registry's
// zod schemas, for pasting the meanings next to them; tests/declarative-docs.test.ts checks that
// the page lists every field with its default. Run after npm run build:
//   node scripts/declarative-fields.mjs
import { DOCUMENT_FIELDS, fieldDefault } from '../packages/core/dist/index.js';

const KIND = { providers: 'provider', models: 'model', keys: 'key', mcp_servers: 'mcp' };
for (const [section, fields] of Object.entries(DOCUMENT_FIELDS)) {
  console.log(`\n${section}\n\n| field | default | meaning |\n| --- | --- | --- |`);
  for (const f of fields) {
    const d = fieldDefault(KIND[section], f);
    console.log(`| \`${f}\` | ${d === undefined ? '' : `\`${JSON.stringify(d)}\``} |  |`);
  }
}
