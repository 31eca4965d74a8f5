import { Command, Option } from 'commander';
import { convertLlmGatewayLite } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { readDocument } from '../declarative/read-document.js';
import { applyImported, type ImportOptions } from './apply-imported.js';
import { CHANGES_FORMATS } from '../declarative/print-changes.js';

interface ImportLiteOptions extends ImportOptions {
  providersFile: string;
  modelsFile: string;
}

async function importLlmGatewayLite(ctx: Context, o: ImportLiteOptions): Promise<void> {
  const [providers, models] = await Promise.all([readDocument(o.providersFile), readDocument(o.modelsFile)]);
  await applyImported(ctx, [providers, models], (path) => (path[0] === 'models' ? models : providers), () => convertLlmGatewayLite({ providers: providers.value, models: models.value }), o);
  if (!o.dryRun && o.output === 'text') {
    ctx.out.info('note: llm-gateway-lite lets clients in without a key unless GATEWAY_AUTH_ENABLED; this gateway always wants one: gwctl key add <name>');
  }
}

export function liteCommand(run: Runner): Command {
  return new Command('llm-gateway-lite')
    .description("import llm-gateway-lite's providers.yaml and models.yaml (providers, their keys, auth, weights and timeouts; models, routing and aliases)")
    .argument('<providers.yaml>', 'its providers file')
    .argument('<models.yaml>', 'its models file')
    .option('--dry-run', 'print what would change and write nothing')
    .addOption(new Option('-o, --output <format>', 'text for people, json or yaml for scripts').choices(CHANGES_FORMATS).default('text'))
    .addHelpText('after', '\nExample:\n  gwctl import llm-gateway-lite configs/providers.yaml configs/models.yaml --dry-run')
    .action((providersFile: string, modelsFile: string, opts: ImportOptions, c: Command) => run(c, (ctx) => importLlmGatewayLite(ctx, { ...opts, providersFile, modelsFile })));
}
