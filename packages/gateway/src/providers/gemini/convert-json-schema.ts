import { Errors } from '../../errors/catalog.js';
import { isObject, type Json } from '../../formats/anthropic-messages/types.js';

/**
 * Keywords of Gemini's `Schema` (an OpenAPI 3.0 subset) that mean the same as in JSON Schema.
 * Gemini refuses a schema with any keyword it does not know (`additionalProperties`, `$schema`,
 * `const`, `exclusiveMinimum`, …: "Unknown name … Cannot find field"), so everything else is
 * left out, as the official SDKs do (vercel/ai keeps a list; @google/genai drops
 * `additionalProperties`).
 */
const KEEP = ['description', 'example', 'maxItems', 'maxLength', 'maxProperties', 'maximum', 'minItems', 'minLength', 'minProperties', 'minimum', 'nullable', 'pattern', 'propertyOrdering', 'title', 'default'];

/** The only `format`s Gemini takes, by type ("only 'enum' and 'date-time' are supported for STRING type"). */
const FORMATS: Record<string, readonly string[]> = { STRING: ['enum', 'date-time'], NUMBER: ['float', 'double'], INTEGER: ['int32', 'int64'] };

/** Nesting deeper than this is cut (a schema for function arguments never needs it). */
const MAX_DEPTH = 32;

interface Refs {
  defs: Json;
  /** References being inlined now: one seen again is a recursion Gemini cannot express. */
  open: Set<string>;
}

const isNullType = (s: unknown): boolean => isObject(s) && s.type === 'null' && Object.keys(s).length === 1;
const geminiType = (t: string): string => t.toUpperCase();

function resolveRef(ref: string, refs: Refs): Json {
  const m = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  const name = m ? decodeURIComponent(m[1]!).replace(/~1/g, '/').replace(/~0/g, '~') : null;
  const def = name !== null && Object.hasOwn(refs.defs, name) ? refs.defs[name] : undefined;
  if (!isObject(def)) throw Errors.invalidBody(`The JSON Schema reference ${ref} cannot be sent to a Gemini model: only references to root $defs or definitions are inlined.`, 'tools');
  if (refs.open.has(ref)) throw Errors.invalidBody(`The JSON Schema reference ${ref} is recursive, which a Gemini model cannot take.`, 'tools');
  return def;
}

/**
 * `enum` as Gemini takes it: a list of strings, on a STRING. Other values (numbers, booleans)
 * cannot be listed; they are named in the description instead, the type kept.
 */
function convertEnum(values: unknown[], out: Json): void {
  const present = values.filter((v) => v !== null);
  if (present.length < values.length) out.nullable = true;
  if (present.length === 0) return;
  if (present.every((v) => typeof v === 'string') && (out.type === undefined || out.type === 'STRING')) {
    out.enum = present;
    out.type = 'STRING';
    return;
  }
  const allowed = `Allowed values: ${present.map((v) => JSON.stringify(v)).join(', ')}.`;
  out.description = typeof out.description === 'string' && out.description ? `${out.description} ${allowed}` : allowed;
}

function convertType(type: unknown, out: Json): void {
  if (typeof type === 'string') {
    if (type === 'null') out.nullable = true;
    else out.type = geminiType(type);
    return;
  }
  if (!Array.isArray(type)) return;
  const types = type.filter((t): t is string => typeof t === 'string' && t !== 'null');
  if (types.length < type.length) out.nullable = true;
  if (types.length === 1) out.type = geminiType(types[0]!);
  else if (types.length > 1) out.anyOf = types.map((t) => ({ type: geminiType(t) }));
}

/** anyOf/oneOf: a `null` member makes the schema nullable; a single other member is the schema itself. */
function convertAlternatives(list: unknown[], out: Json, refs: Refs, depth: number): void {
  const rest = list.filter((s) => !isNullType(s));
  if (rest.length < list.length) out.nullable = true;
  if (rest.length === 1) Object.assign(out, convertSchema(rest[0], refs, depth + 1));
  else if (rest.length > 1) out.anyOf = rest.map((s) => convertSchema(s, refs, depth + 1));
}

function convertSchema(schema: unknown, refs: Refs, depth: number): Json {
  if (!isObject(schema) || depth > MAX_DEPTH) return {};
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    const { $ref: _ref, ...siblings } = schema;
    const target = resolveRef(ref, refs);
    refs.open.add(ref);
    try {
      return convertSchema({ ...target, ...siblings }, refs, depth + 1);
    } finally {
      refs.open.delete(ref);
    }
  }
  const out: Json = {};
  for (const k of KEEP) if (schema[k] !== undefined) out[k] = schema[k];
  convertType(schema.type, out);
  if (isObject(schema.properties)) {
    const props: Json = {};
    for (const [name, s] of Object.entries(schema.properties)) props[name] = convertSchema(s, refs, depth + 1);
    // Gemini refuses an OBJECT with empty `properties`; without the keyword it takes any object.
    if (Object.keys(props).length > 0) out.properties = props;
  }
  if (Array.isArray(schema.required)) {
    // Gemini refuses a required property that is not declared.
    const declared = isObject(out.properties) ? out.properties : {};
    const required = schema.required.filter((r): r is string => typeof r === 'string' && Object.hasOwn(declared, r));
    if (required.length > 0) out.required = required;
  }
  if (isObject(schema.items)) out.items = convertSchema(schema.items, refs, depth + 1);
  else if (Array.isArray(schema.items) && schema.items.length > 0) out.items = convertSchema(schema.items[0], refs, depth + 1);
  // Gemini refuses an ARRAY without `items`: any item is taken as text.
  else if (out.type === 'ARRAY') out.items = { type: 'STRING' };
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) convertAlternatives(alternatives, out, refs, depth);
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) mergeInto(out, convertSchema(s, refs, depth + 1));
  if (Array.isArray(schema.enum)) convertEnum(schema.enum, out);
  else if (schema.const !== undefined) convertEnum([schema.const], out);
  if (typeof schema.format === 'string' && typeof out.type === 'string' && FORMATS[out.type]?.includes(schema.format)) out.format ??= schema.format;
  return out;
}

/** allOf: the members' keywords together (their properties and required lists joined). */
function mergeInto(out: Json, s: Json): void {
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && isObject(out.properties) && isObject(v)) out.properties = { ...out.properties, ...v };
    else if (k === 'required' && Array.isArray(out.required) && Array.isArray(v)) out.required = [...new Set([...(out.required as unknown[]), ...v])];
    else out[k] ??= v;
  }
}

/**
 * A JSON Schema (function `parameters`, `response_format.json_schema.schema`) as Gemini's
 * `Schema`: types upper-cased, `type: [x, "null"]` and `anyOf` with a null member as
 * `nullable`, `oneOf` as `anyOf`, `allOf` merged, `const` as a one-value `enum`, enums of
 * other values than strings named in the description, `$ref`s to root `$defs`/`definitions`
 * inlined, the `format`s Gemini does not take (`email`, `uri`, …) and unknown keywords left
 * out, `items` added to an array without them. Undefined for an object with
 * no properties at the root: Gemini refuses empty `properties`, and no parameters mean the same.
 */
export function convertJsonSchemaToGemini(schema: unknown): Json | undefined {
  if (!isObject(schema)) return undefined;
  const defs = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...(isObject(schema.$defs) ? schema.$defs : {}) };
  const out = convertSchema(schema, { defs, open: new Set() }, 0);
  if (out.type === 'OBJECT' && out.properties === undefined && out.anyOf === undefined) return undefined;
  return out;
}
