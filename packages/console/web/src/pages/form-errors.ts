/// <reference lib="dom" />
import { ApiFailure } from '../api.js';
import { h } from '../dom.js';

/** An alert line under a form; `show` puts an API error in it (naming the field when the API did). */
export function errorLine(): { el: HTMLElement; show: (e: unknown) => void; clear: () => void } {
  const el = h('p', { class: 'error', role: 'alert' });
  return {
    el,
    show: (e) => (el.textContent = e instanceof ApiFailure ? e.message : String((e as Error)?.message ?? e)),
    clear: () => (el.textContent = ''),
  };
}

/** A number from a form value: '' → null (remove the setting). */
export const numOrNull = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));

/** A comma-separated list. */
export const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean));
