import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { setKeyStatus } from './set-status.js';

export interface KeyEnableOptions {
  ref: string;
}

export const keyEnable = (ctx: Context, o: KeyEnableOptions) => setKeyStatus(ctx, o.ref, 'active');

export function enableCommand(run: Runner): Command {
  return new Command('enable')
    .description('accept a disabled key again')
    .argument('<ref>', 'key name, id or prefix')
    .action((ref: string, _o: object, c: Command) => run(c, (ctx) => keyEnable(ctx, { ref })));
}
