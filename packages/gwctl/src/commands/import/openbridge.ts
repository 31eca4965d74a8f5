import { Command, Option } from 'commander';
import { convertOpenBridge } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { readDocument } from '../declarative/read-document.js';
import { applyImported, type ImportOptions } from './apply-imported.js';
import { CHANGES_FORMATS } from '../declarative/print-changes.js';

interface ImportOpenBridgeOptions extends ImportOptions {
  configFile: string;
}

async function importOpenBridge(ctx: Context, o: ImportOpenBridgeOptions): Promise<void> {
  const config = await readDocument(o.configFile);
  await applyImported(ctx, [config], () => config, () => convertOpenBridge(config.value), o);
}

export function openBridgeCommand(run: Runner): Command {
  return new Command('openbridge')
    .description("import OpenBridge's config.json: upstreams as providers, groups as the model names clients use, security tokens as gateway keys")
    .argument('<config.json>', 'its configuration file')
    .option('--dry-run', 'print what would change and write nothing')
    .addOption(new Option('-o, --output <format>', 'text for people, json or yaml for scripts').choices(CHANGES_FORMATS).default('text'))
    .addHelpText(
      'after',
      `
Each security token becomes a key openbridge-<n> with that raw key (stored hashed only),
allowed the groups, so clients keep their tokens and model names.

Example:
  gwctl import openbridge /app/config.json --dry-run`,
    )
    .action((configFile: string, opts: ImportOptions, c: Command) => run(c, (ctx) => importOpenBridge(ctx, { ...opts, configFile })));
}
