import { Argument, Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { completeWords, type Entity } from './complete-words.js';
import { completionScript, SHELLS, type Shell } from './shell-scripts.js';

/** `gwctl completion bash|zsh|fish`: the script that makes the shell complete gwctl. */
export function completionCommand(): Command {
  return new Command('completion')
    .description('print the shell completion script: commands, flags, and provider, key and model names from Redis')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      `
Load it in the current shell, or install it for every new one:
  source <(gwctl completion bash)     gwctl completion bash > ~/.local/share/bash-completion/completions/gwctl
  source <(gwctl completion zsh)      gwctl completion zsh > "\${fpath[1]}/_gwctl"
  gwctl completion fish | source      gwctl completion fish > ~/.config/fish/completions/gwctl.fish
The scripts complete "gwctl", "ops/gwctl" and "./ops/gwctl". Names are read from the Redis that
REDIS_URL (or a --redis-url already typed) points at; without it, commands and flags still complete.`,
    )
    .action((shell: Shell, _o: object, c: Command) => void c.parent!.configureOutput().writeOut?.(completionScript(shell)));
}

async function registryNames(ctx: Context, entity: Entity): Promise<string[]> {
  if (entity === 'provider') return (await ctx.registry.listProviders()).map((p) => p.name);
  if (entity === 'key') return (await ctx.registry.listKeys()).map((k) => k.name).sort();
  return (await ctx.registry.listModels()).map((m) => m.name);
}

/**
 * `gwctl __complete -- <words…>` (hidden): what the completion scripts call on every Tab.
 * Prints one candidate per line, `value<TAB>description`. Never fails: without Redis it
 * offers what needs no names.
 */
export function completeCommand(run: Runner): Command {
  return new Command('__complete')
    .description('completion candidates for the words after gwctl (used by the completion scripts)')
    .argument('[words...]', 'the words typed after gwctl, the last being completed (pass them after --)')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (words: string[], _o: object, c: Command) => {
      const program = c.parent!;
      const names = async (entity: Entity, globals: Record<string, string | boolean>): Promise<string[]> => {
        // The Redis the words point at: global options typed before the Tab win, as they would when run.
        for (const [k, v] of Object.entries(globals)) program.setOptionValueWithSource(k, v, 'cli');
        let found: string[] = [];
        try {
          await run(c, async (ctx) => {
            found = await registryNames(ctx, entity);
          });
        } catch {
          // No Redis, no names: commands and flags still complete.
        }
        return found;
      };
      const candidates = await completeWords(program, words.length ? words : [''], names);
      const write = program.configureOutput().writeOut;
      for (const cand of candidates) write?.(`${cand.value}${cand.description ? `\t${cand.description}` : ''}\n`);
    });
}
