import { type Argument, type Command, InvalidArgumentError, type Option } from 'commander';
import type { GlobalOptions } from './connect.js';
import { UsageError } from './errors.js';
import type { Prompt } from './prompt.js';

/** Commander's two checks of required values, which it calls before any hook runs. */
interface RequiredChecks {
  missingArgument(name: string): void;
  missingMandatoryOptionValue(option: Option): void;
}

const flagOf = (a: Argument) => `<${a.name()}>`;

/** The value through the argument's or option's own parser; a refusal is a usage error, as commander's. */
function parsed(parse: ((value: string, previous: unknown) => unknown) | undefined, value: string, flag: string): unknown {
  if (!parse) return value;
  try {
    return parse(value, undefined);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${e.message}`);
    throw e;
  }
}

async function ask(prompt: Prompt, what: string, flag: string, choices: readonly string[] | undefined): Promise<string> {
  if (choices?.length) return prompt.select(`${what}:`, choices, { flag });
  return prompt.input(`${what}:`, { flag, validate: (v) => (v.trim() ? true : `${flag} cannot be empty`) });
}

/**
 * Required arguments and options that are missing are asked for when a person is at a
 * terminal (the Prompt says so), instead of being a usage error; in a pipe, in CI or with
 * `--yes` they stay commander's usage error (exit code 2). Commander checks them before
 * the preAction hook and hands the action `processedArgs` and `opts()` read after it, so
 * the checks are told to let a missing value through when it will be asked for, and the
 * hook asks and fills it in.
 */
export function askForMissingValues(program: Command, promptFor: (globals: GlobalOptions) => Prompt): void {
  const interactive = (cmd: Command) => promptFor(cmd.optsWithGlobals<GlobalOptions>()).interactive;
  const visit = (cmd: Command) => {
    const checks = cmd as unknown as RequiredChecks;
    const refuseArgument = checks.missingArgument.bind(cmd);
    const refuseOption = checks.missingMandatoryOptionValue.bind(cmd);
    checks.missingArgument = (name) => {
      if (!interactive(cmd)) refuseArgument(name);
    };
    checks.missingMandatoryOptionValue = (option) => {
      if (!interactive(cmd)) refuseOption(option);
    };
    cmd.commands.forEach(visit);
  };
  visit(program);

  program.hook('preAction', async (_root, action) => {
    const prompt = promptFor(action.optsWithGlobals<GlobalOptions>());
    if (!prompt.interactive) return;
    const args = action.registeredArguments;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (!a.required || action.processedArgs[i] !== undefined) continue;
      const value = await ask(prompt, a.description || a.name(), flagOf(a), a.argChoices);
      action.processedArgs[i] = parsed(a.parseArg, value, flagOf(a));
    }
    for (const o of action.options) {
      if (!o.mandatory || action.getOptionValue(o.attributeName()) !== undefined) continue;
      const value = await ask(prompt, o.description || o.long || o.flags, o.long ?? o.flags, o.argChoices);
      action.setOptionValueWithSource(o.attributeName(), parsed(o.parseArg, value, o.long ?? o.flags), 'cli');
    }
  });
}
