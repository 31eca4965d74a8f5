import Table from 'cli-table3';

type Cell = string | number | boolean | null | undefined;

/** Everything a command prints goes through here: tables for people, JSON for machines. */
export interface Output {
  /** One line of text on stdout. */
  line(text?: string): void;
  /** A warning on stderr (`warning: …`); never part of --json output. */
  warn(text: string): void;
  /** A note for the person on stderr, so stdout stays parseable. */
  info(text: string): void;
  /** A value as pretty-printed JSON on stdout. */
  json(value: unknown): void;
  /** A table with a header row. */
  table(head: string[], rows: Cell[][]): void;
  /** A two-column table of field → value, for `show`. */
  fields(pairs: Array<[string, Cell]>): void;
}

export interface Writer {
  write(chunk: string): unknown;
}

const cell = (v: Cell): string => (v === null || v === undefined || v === '' ? '-' : String(v));

// No colours: output is often piped, and colour codes would end up in logs and diffs.
const STYLE = { head: [], border: [] };

export function createOutput(stdout: Writer, stderr: Writer): Output {
  return {
    line: (text = '') => void stdout.write(`${text}\n`),
    warn: (text) => void stderr.write(`warning: ${text}\n`),
    info: (text) => void stderr.write(`${text}\n`),
    json: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    table(head, rows) {
      const t = new Table({ head, style: STYLE });
      for (const r of rows) t.push(r.map(cell));
      stdout.write(`${t.toString()}\n`);
    },
    fields(pairs) {
      const t = new Table({ style: STYLE });
      for (const [k, v] of pairs) t.push({ [k]: cell(v) });
      stdout.write(`${t.toString()}\n`);
    },
  };
}

/** An Output that keeps what was written, for tests. */
export function memoryOutput(): Output & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const o = createOutput({ write: (s: string) => (out += s) }, { write: (s: string) => (err += s) });
  return Object.assign(o, { stdout: () => out, stderr: () => err });
}
