/// <reference lib="dom" />
/** A tiny element builder: the UI is plain DOM, no framework. */

export type Child = Node | string | number | null | undefined | false | Child[];
/** Attributes; `on…` functions become event listeners, `true` an empty attribute, null/undefined/false none. */
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => unknown)>;

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

function setAttrs(el: Element, attrs: Attrs | null | undefined): void {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** A labelled input: `<label>Name <input name=…></label>`, so it is found by its label. */
export function field(label: string, name: string, attrs: Attrs = {}): HTMLLabelElement {
  return h('label', null, label, h('input', { name, ...attrs }));
}

export function selectField(label: string, name: string, options: readonly string[], value?: string): HTMLLabelElement {
  return h('label', null, label, h('select', { name }, options.map((o) => h('option', { value: o, selected: o === value }, o || '(none)'))));
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtUsd = (n: number) => `$${n < 1 && n > 0 ? n.toFixed(6) : n.toFixed(2)}`;
export const fmtTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** A table from a header row and rows of cells; numeric columns (by header) align right. */
export function table(caption: string, head: string[], rows: Child[][], numeric: readonly string[] = []): HTMLTableElement {
  const cls = (hd: string) => (numeric.includes(hd) ? 'num' : undefined);
  return h(
    'table',
    null,
    h('caption', { class: 'muted' }, caption),
    h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col', class: cls(c) }, c)))),
    h('tbody', null, rows.length ? rows.map((r) => h('tr', null, r.map((c, i) => h('td', { class: cls(head[i] ?? '') }, c)))) : h('tr', null, h('td', { colspan: head.length, class: 'muted' }, 'nothing yet'))),
  );
}

/** Form values by input name; empty strings left out. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form).entries()) if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  return out;
}
