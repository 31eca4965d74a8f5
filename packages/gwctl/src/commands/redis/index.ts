import { Command } from 'commander';
import type { Runner } from '../../context.js';
import { pingCommand } from './ping.js';

/** `gwctl redis …`: the registry's Redis itself. */
export function redisCommand(run: Runner): Command {
  return new Command('redis').description('the Redis holding the registry: ping').addCommand(pingCommand(run));
}
