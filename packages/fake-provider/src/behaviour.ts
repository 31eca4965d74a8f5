import type { Behaviour } from './types.js';

export const DEFAULT_BEHAVIOUR: Readonly<Behaviour> = Object.freeze({ chunks: 5, chunkDelayMs: 0, echoModel: true });

/** Thrown for an `x-fake-behaviour` header that is not a JSON object; answered with 400. */
export class BehaviourHeaderError extends Error {}

/** Merge behaviours left to right; later fields win, `undefined` fields are ignored. */
export function mergeBehaviour(base: Behaviour, ...overrides: (Partial<Behaviour> | undefined)[]): Behaviour {
  let out = base;
  for (const o of overrides) {
    if (!o) continue;
    if (out === base) out = { ...base };
    for (const [k, v] of Object.entries(o)) {
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

export function parseBehaviourHeader(value: string): Partial<Behaviour> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new BehaviourHeaderError('x-fake-behaviour is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BehaviourHeaderError('x-fake-behaviour must be a JSON object');
  }
  return parsed;
}
