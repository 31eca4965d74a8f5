import { Command } from 'commander';
import type { Runner } from '../../context.js';
import { addCommand } from './add.js';
import { delCommand } from './del.js';
import { disableCommand } from './disable.js';
import { editCommand } from './edit.js';
import { enableCommand } from './enable.js';
import { listCommand } from './list.js';
import { rotateCommand } from './rotate.js';
import { showCommand } from './show.js';

/** `gwctl key …`: the gateway keys clients authenticate with. */
export function keyCommand(run: Runner): Command {
  return new Command('key')
    .description('gateway keys: add, list, show, edit, disable, enable, rotate, del')
    .addCommand(addCommand(run))
    .addCommand(listCommand(run))
    .addCommand(showCommand(run))
    .addCommand(editCommand(run))
    .addCommand(disableCommand(run))
    .addCommand(enableCommand(run))
    .addCommand(rotateCommand(run))
    .addCommand(delCommand(run));
}
