const cache = new Map<string, RegExp>();

/** Replace `"model":"<from>"` (any spacing) by `"model":"<to>"` in a JSON text. */
export function rewriteModel(text: string, from: string, to: string): string {
  if (from === to) return text;
  let re = cache.get(from);
  if (!re) {
    const esc = JSON.stringify(from).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`"model"(\\s*):(\\s*)"${esc}"`, 'g');
    if (cache.size > 1000) cache.clear();
    cache.set(from, re);
  }
  const quoted = JSON.stringify(to);
  return text.replace(re, (_m, a: string, b: string) => `"model"${a}:${b}${quoted}`);
}
