import { type Command, Option } from 'commander';

/** The help heading aliases are listed under, after our own options. */
const ALIAS_GROUP = "Also accepted (other gateways' spellings):";

export interface AliasSpec {
  /** The alias, as commander flags: `--auth-value <secret>`. */
  flags: string;
  /** Our option it stands for, by its long flag (`--api-key`); it must be declared on the command already. */
  ours: string;
  /** Where the spelling comes from, for help: `one-api-nginx`. */
  from: string;
  /**
   * Their value in our terms (default: unchanged): a string goes through our option's own
   * parser, anything else is stored as is. Throw commander's InvalidArgumentError for a value
   * that has no equivalent: it is then a usage error naming the alias.
   */
  value?: (v: string) => unknown;
}

/**
 * Accept another project's spelling of one of our options: it sets our option (through our
 * parser, so `--auth-value a --api-key b` collects both), and help lists it under its own
 * heading after ours, so our names stay the primary ones. Its own attribute is left in the
 * options too, for a handler that must know which spelling was used.
 */
export function aliasOption(cmd: Command, spec: AliasSpec): Command {
  const target = cmd.options.find((o) => o.long === spec.ours);
  if (!target) throw new Error(`alias ${spec.flags}: ${cmd.name()} has no option ${spec.ours}`);
  const convert = spec.value ?? ((v: string) => v);
  const alias = new Option(spec.flags, `${spec.ours} (${spec.from})`).argParser((v: string) => convert(v)).helpGroup(ALIAS_GROUP);
  cmd.addOption(alias);
  // Commander's own listener (registered by addOption, so it runs first) has stored the converted value.
  cmd.on(`option:${alias.name()}`, () => {
    const value: unknown = cmd.getOptionValue(alias.attributeName());
    const ours = target.attributeName();
    const next: unknown = typeof value === 'string' && target.parseArg ? target.parseArg(value, cmd.getOptionValue(ours)) : value;
    cmd.setOptionValueWithSource(ours, next, 'cli');
  });
  return cmd;
}
