import type { Command } from 'commander';
import type { CommandFactory, Runner } from '../context.js';
import { applyCommand } from './declarative/apply.js';
import { diffCommand } from './declarative/diff.js';
import { exportCommand } from './declarative/export.js';
import { completeCommand, completionCommand } from './completion/index.js';
import { importCommand } from './import/index.js';
import { keyCommand } from './key/index.js';
import { mcpCommand } from './mcp/index.js';
import { modelCommand } from './model/index.js';
import { providerCommand } from './provider/index.js';
import { redisCommand } from './redis/index.js';
import { usageCommand } from './usage/index.js';
import { adminCommand } from './admin/token.js';
import { auditCommand } from './audit/index.js';

/** Every noun of gwctl, in help order. A new noun is one import and one entry here. */
const NOUNS: readonly CommandFactory[] = [providerCommand, keyCommand, modelCommand, redisCommand, usageCommand, exportCommand, diffCommand, applyCommand, importCommand, completionCommand, adminCommand, auditCommand, mcpCommand];

export function registerCommands(program: Command, run: Runner): void {
  for (const noun of NOUNS) program.addCommand(noun(run));
  // What the completion scripts call; not for people, so not in help.
  program.addCommand(completeCommand(run), { hidden: true });
}
