import Table from 'cli-table3';

/** How a table is drawn: boxed for a person at a terminal, plain columns for a pipe. */
export interface TableLayout {
  /** Box-drawing borders (a terminal) or plain columns separated by two spaces (a pipe, a file). */
  boxed: boolean;
  /** Total width to fit in, truncating cells with …; undefined = never truncate. */
  width?: number;
}

/** A column is never squeezed below this many characters (or its natural width, if smaller). */
const MIN_COLUMN = 3;
const ELLIPSIS = '…';
// No colours: output is often piped, and colour codes would end up in logs and diffs.
const STYLE = { head: [], border: [] };

const chars = (s: string): number => [...s].length;
const widthOf = (cell: string): number => Math.max(0, ...cell.split('\n').map(chars));

/** `s` cut to `n` characters, its last one `…` when anything was cut. */
export function truncate(s: string, n: number): string {
  const c = [...s];
  if (c.length <= n) return s;
  return n <= 0 ? '' : c.slice(0, n - 1).join('') + ELLIPSIS;
}

/**
 * Column widths that fit `available` characters of content: columns narrower than a common
 * cap keep their width, wider ones are cut to it (water-filling), never below MIN_COLUMN.
 * When even that does not fit, the minimum widths are returned and the line wraps.
 */
export function fitWidths(natural: readonly number[], available: number): number[] {
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= available) return [...natural];
  const floor = natural.map((w) => Math.min(w, MIN_COLUMN));
  let lo = 0;
  let hi = Math.max(...natural);
  // The largest cap whose capped widths still fit.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const sum = natural.reduce((a, w, i) => a + Math.max(floor[i]!, Math.min(w, mid)), 0);
    if (sum <= available) lo = mid;
    else hi = mid - 1;
  }
  const widths = natural.map((w, i) => Math.max(floor[i]!, Math.min(w, lo)));
  // Hand out what the cap left over, one character at a time, to the columns that were cut.
  let spare = available - widths.reduce((a, b) => a + b, 0);
  for (let i = 0; spare > 0 && i < widths.length; i++) {
    if (widths[i]! < natural[i]!) {
      widths[i]!++;
      spare--;
    }
  }
  return widths;
}

const fitCell = (cell: string, width: number): string =>
  cell
    .split('\n')
    .map((l) => truncate(l, width))
    .join('\n');

/** Render rows (the first may be a header) as text ending with a newline. */
export function renderTable(head: readonly string[] | null, rows: readonly string[][], layout: TableLayout): string {
  // A pipe gets one line per row: several values of a cell are joined instead of stacked.
  const all = [...(head ? [[...head]] : []), ...rows].map((r) => (layout.boxed ? r : r.map((c) => c.replace(/\n/g, ', '))));
  const columns = Math.max(0, ...all.map((r) => r.length));
  if (columns === 0) return '';
  const natural = Array.from({ length: columns }, (_, i) => Math.max(...all.map((r) => widthOf(r[i] ?? ''))));
  // Borders and padding: `│ a │ b │` costs 3 per column plus 1; plain columns 2 between each.
  const overhead = layout.boxed ? 3 * columns + 1 : 2 * (columns - 1);
  const widths = layout.width === undefined ? natural : fitWidths(natural, layout.width - overhead);
  const fitted = all.map((r) => widths.map((w, i) => fitCell(r[i] ?? '', w)));
  if (!layout.boxed) {
    return fitted.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n').join('');
  }
  const t = new Table({
    ...(head ? { head: fitted[0] } : {}),
    colWidths: widths.map((w) => w + 2),
    style: STYLE,
  });
  for (const r of head ? fitted.slice(1) : fitted) t.push(r);
  return `${t.toString()}\n`;
}
