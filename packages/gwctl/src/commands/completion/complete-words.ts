import type { Argument, Command, Option } from 'commander';

/** Registry names a word can be completed with. */
export type Entity = 'provider' | 'key' | 'model';

/**
 * The names of one kind, read from Redis (empty when it cannot be reached); `globals` are the
 * global options among the words (`--redis-url x` typed before the Tab), by attribute name.
 */
export type NameSource = (entity: Entity, globals: Record<string, string | boolean>) => Promise<string[]>;

/** One completion: the word, and a description shells that show one (zsh, fish) print beside it. */
export interface Candidate {
  value: string;
  description?: string;
}

/** Options whose value names a registry entity, by long flag; per command path where the flag means something else. */
const OPTION_ENTITIES: Record<string, Entity> = {
  '--provider': 'provider',
  '--provider-allow': 'provider',
  '--providers': 'provider',
  '--model-allow': 'model',
  'usage --key': 'key',
};

/** The noun whose arguments name its own kind; `add` verbs name a new one. */
const NOUN_ENTITIES: Record<string, Entity> = { provider: 'provider', key: 'key', model: 'model' };
const NEW_NAME = new Set(['provider add', 'key add']);

/** The path of a command below the program: `provider add`. */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A command's options and those of every command above it (global options). */
function optionsInScope(cmd: Command): Array<{ option: Option; owner: Command }> {
  const all: Array<{ option: Option; owner: Command }> = [];
  for (let c: Command | null = cmd; c; c = c.parent) for (const option of c.options) all.push({ option, owner: c });
  return all;
}

const takesValue = (o: Option) => o.required || o.optional;
/** The first clause of a description, at most ~60 characters cut at a word. */
function summary(text: string): string {
  const first = text.split(/[.;(]/)[0]!.trim();
  return first.length <= 60 ? first : `${first.slice(0, 60).replace(/[\s,:]+\S*$/, '')}…`;
}

function optionEntity(cmd: Command, o: Option): Entity | undefined {
  return OPTION_ENTITIES[`${pathOf(cmd)} ${o.long}`] ?? (o.long === '--key' ? undefined : OPTION_ENTITIES[o.long ?? '']);
}

function argumentEntity(cmd: Command, index: number): Entity | undefined {
  const path = pathOf(cmd);
  if (NEW_NAME.has(path) && index === 0) return undefined;
  return NOUN_ENTITIES[path.split(' ')[0]!];
}

/** Where the last word stands, after walking the words before it. */
interface Position {
  cmd: Command;
  /** The option whose value the current word is. */
  valueFor?: Option;
  /** How many positional arguments came before the current word. */
  positional: number;
  /** Global options given among the words (`--redis-url x`), so names are read from that Redis. */
  globals: Record<string, string | boolean>;
}

function walk(program: Command, before: readonly string[]): Position {
  const at: Position = { cmd: program, positional: 0, globals: {} };
  let pending: { option: Option; owner: Command } | undefined;
  for (const word of before) {
    if (pending) {
      if (pending.owner === program) at.globals[pending.option.attributeName()] = word;
      pending = undefined;
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      const [flag, inline] = word.split(/=(.*)/s, 2) as [string, string | undefined];
      const found = optionsInScope(at.cmd).find((x) => x.option.long === flag || x.option.short === flag);
      if (found && takesValue(found.option) && inline === undefined) pending = found;
      else if (found?.owner === program) at.globals[found.option.attributeName()] = inline ?? true;
      continue;
    }
    const sub = at.positional === 0 ? at.cmd.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
    if (sub) {
      at.cmd = sub;
      continue;
    }
    at.positional++;
  }
  if (pending) at.valueFor = pending.option;
  return at;
}

/** Subcommands help shows (hidden ones, such as `__complete`, left out). */
const visible = (cmd: Command) => cmd.createHelp().visibleCommands(cmd);

type Names = (entity: Entity) => Promise<string[]>;

async function values(choices: readonly string[] | undefined, entity: Entity | undefined, names: Names): Promise<Candidate[]> {
  if (choices?.length) return choices.map((value) => ({ value }));
  if (entity) return (await names(entity)).map((value) => ({ value }));
  return [];
}

/**
 * The completions of the last of `words` (the words after the program's name; the last is
 * the one being typed, possibly empty): subcommands, flags, an option's choices, or the
 * provider, key and model names an argument or option takes. Filtered by what was typed.
 */
export async function completeWords(program: Command, words: readonly string[], source: NameSource): Promise<Candidate[]> {
  const current = words.at(-1) ?? '';
  const at = walk(program, words.slice(0, -1));
  const names: Names = (entity) => source(entity, at.globals);
  let found: Candidate[] = [];
  let prefix = '';
  if (at.valueFor) {
    found = await values(at.valueFor.argChoices, optionEntity(at.cmd, at.valueFor), names);
  } else if (current.startsWith('-') && current.includes('=')) {
    // `--output=ya`: the value after the =, offered with its flag.
    const flag = current.slice(0, current.indexOf('='));
    const o = optionsInScope(at.cmd).find((x) => x.option.long === flag)?.option;
    if (o) {
      prefix = `${flag}=`;
      found = await values(o.argChoices, optionEntity(at.cmd, o), names);
    }
  } else if (current.startsWith('-')) {
    found = optionsInScope(at.cmd)
      // --version is the program's own; after a command it is noise.
      .filter((x) => !x.option.hidden && x.option.long && (x.owner === at.cmd || x.option.long !== '--version'))
      .map((x) => ({ value: x.option.long!, description: summary(x.option.description) }));
    found.push({ value: '--help', description: 'show help' });
  } else if (at.positional === 0 && at.cmd.commands.length > 0) {
    found = visible(at.cmd).map((c) => ({ value: c.name(), description: summary(c.description()) }));
  } else {
    const args: readonly Argument[] = at.cmd.registeredArguments;
    const last = args.at(-1);
    const arg = args[at.positional] ?? (last?.variadic ? last : undefined);
    if (arg) found = await values(arg.argChoices, argumentEntity(at.cmd, Math.min(at.positional, args.length - 1)), names);
  }
  const typed = current.slice(prefix.length);
  const candidates = found.filter((c) => c.value.startsWith(typed)).map((c) => ({ ...c, value: prefix + c.value }));
  return [...new Map(candidates.map((c) => [c.value, c])).values()];
}
