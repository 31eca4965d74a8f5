import { Command } from 'commander';
import type { Runner } from '../../context.js';
import { addCommand } from './add.js';
import { delCommand } from './del.js';
import { editCommand } from './edit.js';
import { listCommand } from './list.js';
import { modelsCommand } from './models.js';
import { resetCommand } from './reset.js';
import { showCommand } from './show.js';
import { statusCommand } from './status.js';
import { testCommand } from './test.js';

/** `gwctl provider …`: the upstream LLM providers. */
export function providerCommand(run: Runner): Command {
  return new Command('provider')
    .description('upstream providers: add, list, show, edit, del, models, test, status, reset')
    .addCommand(addCommand(run))
    .addCommand(listCommand(run))
    .addCommand(showCommand(run))
    .addCommand(editCommand(run))
    .addCommand(delCommand(run))
    .addCommand(modelsCommand(run))
    .addCommand(testCommand(run))
    .addCommand(statusCommand(run))
    .addCommand(resetCommand(run));
}
