import { stringify as toYaml } from 'yaml';
import { renderTable, type TableLayout } from './render-table.js';

type Cell = string | number | boolean | null | undefined;

/** Everything a command prints goes through here: tables for people, JSON and YAML for machines. */
export interface Output {
  /** One line of text on stdout. */
  line(text?: string): void;
  /** A warning on stderr (`warning: …`); never part of JSON or YAML output. */
  warn(text: string): void;
  /** A note for the person on stderr, so stdout stays parseable. */
  info(text: string): void;
  /** A value as pretty-printed JSON on stdout. */
  json(value: unknown): void;
  /** A value as JSON or YAML on stdout (`-o json|yaml`): the same shape either way. */
  data(value: unknown, format: 'json' | 'yaml'): void;
  /**
   * A table with a header row: boxed and fitted to the terminal's width on a terminal, plain
   * columns on a pipe; `wide` never truncates.
   */
  table(head: string[], rows: Cell[][], o?: { wide?: boolean }): void;
  /** Field → value pairs, for `show`. */
  fields(pairs: Array<[string, Cell]>, o?: { wide?: boolean }): void;
}

export interface Writer {
  write(chunk: string): unknown;
}

export interface OutputOptions {
  /** Whether stdout is a terminal: boxed tables, else plain columns. */
  tty?: boolean;
  /** Width to fit tables in (the terminal's, or COLUMNS); undefined = never truncate. */
  columns?: number;
}

const cell = (v: Cell): string => (v === null || v === undefined || v === '' ? '-' : String(v));

export function createOutput(stdout: Writer, stderr: Writer, o: OutputOptions = {}): Output {
  const layout = (wide?: boolean): TableLayout => ({ boxed: Boolean(o.tty), ...(wide || o.columns === undefined ? {} : { width: o.columns }) });
  const json = (value: unknown) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return {
    line: (text = '') => void stdout.write(`${text}\n`),
    warn: (text) => void stderr.write(`warning: ${text}\n`),
    info: (text) => void stderr.write(`${text}\n`),
    json,
    data(value, format) {
      if (format === 'json') return json(value);
      // Through JSON first, so that YAML holds exactly what JSON would (no undefined, dates as strings).
      stdout.write(toYaml(JSON.parse(JSON.stringify(value ?? null)) as unknown, { lineWidth: 0 }));
    },
    table(head, rows, t = {}) {
      stdout.write(renderTable(head, rows.map((r) => r.map(cell)), layout(t.wide)));
    },
    fields(pairs, t = {}) {
      const l = layout(t.wide);
      stdout.write(renderTable(null, pairs.map(([k, v]) => [l.boxed ? k : `${k}:`, cell(v)]), l));
    },
  };
}

/** An Output that keeps what was written, for tests (a pipe unless `o.tty`). */
export function memoryOutput(o: OutputOptions = {}): Output & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const output = createOutput({ write: (s: string) => (out += s) }, { write: (s: string) => (err += s) }, o);
  return Object.assign(output, { stdout: () => out, stderr: () => err });
}
