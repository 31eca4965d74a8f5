import { type Command, Option } from 'commander';
import type { Context } from './context.js';
import { UsageError } from './errors.js';

/**
 * `-o` formats, as kubectl names them: `table` for people (boxed on a terminal, plain columns
 * on a pipe), `wide` with more columns and nothing truncated, `json` and `yaml` with the same
 * documented shape, `name` one name per line (for scripts and `xargs`).
 */
const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The formats of a command that prints one report rather than named things. */
export const REPORT_FORMATS = ['table', 'json', 'yaml'] as const satisfies readonly OutputFormat[];

/** The options `withOutputFlags` declares, as commander hands them to the action. */
export interface FormatFlags {
  output?: OutputFormat;
  /** `--json`: the same as `-o json`. */
  json?: boolean;
}

/**
 * Declare `-o, --output <format>` and `--json` (its alias, kept for scripts) on `cmd`. A
 * command whose own `--output` means something else (`model price --output <usd>`) gets
 * `-o, --output-format` instead; its handler passes that as `output`.
 */
export function withOutputFlags(cmd: Command, formats: readonly OutputFormat[] = OUTPUT_FORMATS): Command {
  const long = cmd.options.some((o) => o.long === '--output') ? '--output-format' : '--output';
  return cmd
    .addOption(new Option(`-o, ${long} <format>`, 'output format').choices(formats))
    .addOption(new Option('--json', 'the same as -o json'));
}

/** The format asked for; `--json` with another `-o` is a usage error. */
export function outputFormat(o: FormatFlags): OutputFormat {
  if (o.json && o.output !== undefined && o.output !== 'json') throw new UsageError(`--json and -o ${o.output} ask for two formats`, 'pass one of them');
  return o.json ? 'json' : (o.output ?? 'table');
}

/** Whether the format prints data (JSON or YAML) rather than text for people. */
export const isDataFormat = (f: OutputFormat): f is 'json' | 'yaml' => f === 'json' || f === 'yaml';

/** How to print a list in each format. */
export interface ListPrinter<T> {
  items: readonly T[];
  /** The documented JSON/YAML shape of the whole list. */
  data: () => unknown;
  name: (item: T) => string;
  head: string[];
  row: (item: T) => Array<string | number | null | undefined>;
  /** `-o wide`: more columns (default: the table's), never truncated. */
  wideHead?: string[];
  wideRow?: (item: T) => Array<string | number | null | undefined>;
  /** Said on stderr when there is nothing to list, so that stdout stays empty for scripts. */
  empty: string;
}

/** Print a list of named things in the format asked for. */
export function printList<T>(ctx: Context, f: OutputFormat, p: ListPrinter<T>): void {
  if (isDataFormat(f)) return ctx.out.data(p.data(), f);
  if (f === 'name') {
    for (const item of p.items) ctx.out.line(p.name(item));
    return;
  }
  if (p.items.length === 0) return ctx.out.info(p.empty);
  const wide = f === 'wide';
  ctx.out.table(wide && p.wideHead ? p.wideHead : p.head, p.items.map(wide && p.wideRow ? p.wideRow : p.row), { wide });
}

/** How to print one named thing in each format. */
export interface OnePrinter {
  data: () => unknown;
  name: string;
  fields: () => Array<[string, string | number | null | undefined]>;
}

/** Print one named thing (`show`) in the format asked for. */
export function printOne(ctx: Context, f: OutputFormat, p: OnePrinter): void {
  if (isDataFormat(f)) return ctx.out.data(p.data(), f);
  if (f === 'name') return ctx.out.line(p.name);
  ctx.out.fields(p.fields(), { wide: f === 'wide' });
}
