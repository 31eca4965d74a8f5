import { Command } from 'commander';
import type { Runner } from '../../context.js';
import { addCommand } from './add.js';
import { delCommand } from './del.js';
import { editCommand } from './edit.js';
import { listCommand } from './list.js';
import { resetCommand } from './reset.js';
import { showCommand } from './show.js';
import { testCommand } from './test.js';
import { toolsCommand } from './tools.js';

/** `gwctl mcp …`: the upstream MCP servers the gateway aggregates at /mcp. */
export function mcpCommand(run: Runner): Command {
  return new Command('mcp')
    .description('upstream MCP servers: add, list, show, edit, del, test, tools, reset')
    .addCommand(addCommand(run))
    .addCommand(listCommand(run))
    .addCommand(showCommand(run))
    .addCommand(editCommand(run))
    .addCommand(delCommand(run))
    .addCommand(testCommand(run))
    .addCommand(toolsCommand(run))
    .addCommand(resetCommand(run));
}
