import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { setKeyStatus } from './set-status.js';

export interface KeyDisableOptions {
  ref: string;
}

export const keyDisable = (ctx: Context, o: KeyDisableOptions) => setKeyStatus(ctx, o.ref, 'disabled');

export function disableCommand(run: Runner): Command {
  return new Command('disable')
    .description('stop accepting a key (settings kept; enable undoes it)')
    .argument('<ref>', 'key name, id or prefix')
    .action((ref: string, _o: object, c: Command) => run(c, (ctx) => keyDisable(ctx, { ref })));
}
