import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { exportRegistry, type RegistryDocument } from '@llmgw/core';
import { Document } from 'yaml';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';

interface ExportOptions {
  output?: 'yaml' | 'json';
  file?: string;
}

const HEADER = ` The gateway's registry, written by gwctl export. Apply with: gwctl apply -f <this file>
 (--prune also deletes what it does not name). Never holds raw keys or literal secrets.`;

/** The document as YAML (with a header comment) or JSON text. */
function documentText(document: RegistryDocument, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  const doc = new Document(document);
  doc.commentBefore = HEADER;
  return doc.toString({ lineWidth: 0 });
}

async function registryExport(ctx: Context, o: ExportOptions): Promise<void> {
  const { document, warnings } = await exportRegistry(ctx.registry);
  for (const w of warnings) ctx.out.warn(w);
  const text = documentText(document, o.output ?? 'yaml');
  if (!o.file) return ctx.out.line(text.replace(/\n$/, ''));
  try {
    await writeFile(o.file, text);
  } catch (e) {
    throw new UserError(`cannot write ${o.file}: ${(e as Error).message}`);
  }
  const count = (m: object | undefined) => Object.keys(m ?? {}).length;
  ctx.out.info(`wrote ${o.file}: ${count(document.providers)} providers, ${count(document.models)} models, ${count(document.keys)} keys`);
}

export function exportCommand(run: Runner): Command {
  return new Command('export')
    .description('write the whole registry as one YAML (or JSON) document for gwctl apply: never raw keys or literal secrets')
    .addOption(new Option('-o, --output <format>', 'document format').choices(['yaml', 'json']).default('yaml'))
    .option('-f, --file <path>', 'write to this file instead of standard output')
    .addHelpText('after', '\nExamples:\n  gwctl export > registry.yaml\n  gwctl export -o json -f registry.json')
    .action((opts: ExportOptions, c: Command) => run(c, (ctx) => registryExport(ctx, opts)));
}
