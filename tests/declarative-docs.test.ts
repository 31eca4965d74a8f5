// docs/declarative-config.md stays true to the registry's schemas: every field a document
// may hold, in schema order, with its default (node scripts/declarative-fields.mjs prints them).
import { readFileSync } from 'node:fs';
import { DOCUMENT_FIELDS, fieldDefault } from '@llmgw/core';
import { describe, expect, it } from 'vitest';

const page = readFileSync(new URL('../docs/declarative-config.md', import.meta.url), 'utf8');
const KIND = { providers: 'provider', models: 'model', keys: 'key', mcp_servers: 'mcp' } as const;

/** The rows `| field | default |` of the table under `#### <section>`. */
function table(section: string): Array<[string, string]> {
  const start = page.indexOf(`#### ${section}\n`);
  const rows = page.slice(start).split('\n').slice(2);
  const out: Array<[string, string]> = [];
  for (const row of rows.slice(rows.findIndex((r) => r.startsWith('| ---')) + 1)) {
    if (!row.startsWith('|')) break;
    const [, field, def] = row.split('|').map((c) => c.trim());
    out.push([field!.replace(/`/g, ''), def!]);
  }
  return out;
}

describe('docs/declarative-config.md', () => {
  for (const section of Object.keys(DOCUMENT_FIELDS) as Array<keyof typeof DOCUMENT_FIELDS>) {
    it(`lists every field of ${section} with its default`, () => {
      const expected = DOCUMENT_FIELDS[section].map((f): [string, string] => {
        const d = fieldDefault(KIND[section], f);
        return [f, d === undefined ? '' : `\`${JSON.stringify(d)}\``];
      });
      expect(table(section)).toEqual(expected);
    });
  }
});
