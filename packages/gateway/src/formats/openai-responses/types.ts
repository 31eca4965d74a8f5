/**
 * The parts of the OpenAI Responses API the converters and the response store read and write.
 * Loose on purpose: unknown fields are ignored (or passed on), not rejected.
 */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One item of a Responses conversation: a message, a function call or its output, a reasoning item, … */
export type ResponseItem = Json & { type: string };

/** A random id with the Responses API's prefix (`resp_`, `msg_`, `fc_`, `rs_`). */
export function newId(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, '')}`;
}

/**
 * The `input` of a Responses request as a list of items: a string is one user message; a
 * message written without `type` (the SDK's `{ role, content }` shorthand) gets `type: "message"`.
 */
export function normalizeInput(input: unknown): ResponseItem[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input)) return [];
  return input.filter(isObject).map((it) => (typeof it.type === 'string' ? (it as ResponseItem) : { ...it, type: 'message' }));
}

/** `v` when it is a string, else `fallback`. */
export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
