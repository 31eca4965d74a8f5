import { Command } from 'commander';
import type { Runner } from '../../context.js';
import { aliasCommand } from './alias.js';
import { bindCommand } from './bind.js';
import { delCommand } from './del.js';
import { listCommand } from './list.js';
import { policyCommand } from './policy.js';
import { priceCommand } from './price.js';
import { reserveCommand } from './reserve.js';
import { showCommand } from './show.js';
import { timeoutCommand } from './timeout.js';
import { unbindCommand } from './unbind.js';

/** `gwctl model …`: public model names and the provider targets that serve them. */
export function modelCommand(run: Runner): Command {
  return new Command('model')
    .description('public models: bind, unbind, list, show, alias, policy, price, reserve, timeout, del')
    .addCommand(bindCommand(run))
    .addCommand(unbindCommand(run))
    .addCommand(listCommand(run))
    .addCommand(showCommand(run))
    .addCommand(aliasCommand(run))
    .addCommand(policyCommand(run))
    .addCommand(priceCommand(run))
    .addCommand(reserveCommand(run))
    .addCommand(timeoutCommand(run))
    .addCommand(delCommand(run));
}
