/**
 * Deepest nesting of arrays and objects a JSON request body may have. JSON.parse itself is
 * iterative, but JSON.stringify and any code that walks a body recurses: a 100,000-deep body
 * overflowed the stack (a 500) where the body is re-serialised. No API we serve comes near this
 * (OpenAI's structured outputs allow 10 levels of schema nesting).
 */
export const MAX_JSON_DEPTH = 128;

/** True when `value` nests arrays and objects more than `max` levels deep. Iterative; stops at the first value too deep. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x !== 'object' || x === null) continue;
        values.push(x);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x !== 'object' || x === null) continue;
      values.push(x);
      depths.push(depth + 1);
    }
  }
  return false;
}
