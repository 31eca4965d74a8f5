import { Command } from 'commander';
import type { Runner } from '../../context.js';
import { liteCommand } from './llm-gateway-lite.js';
import { openBridgeCommand } from './openbridge.js';

/** `gwctl import …`: another gateway's configuration, converted and applied. */
export function importCommand(run: Runner): Command {
  return new Command('import')
    .description("import another gateway's configuration: llm-gateway-lite, openbridge (applied without --prune; then gwctl export for a file)")
    .addCommand(liteCommand(run))
    .addCommand(openBridgeCommand(run));
}
