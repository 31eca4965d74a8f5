import { describe, expect, it } from 'vitest';
import { convertJsonSchemaToGemini } from './convert-json-schema.js';

describe('convertJsonSchemaToGemini', () => {
  it('keeps what Gemini\'s Schema knows, upper-cases types, and leaves out the keywords Gemini refuses', () => {
    expect(
      convertJsonSchemaToGemini({
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: 'x',
        title: 'Query',
        type: 'object',
        additionalProperties: false,
        properties: {
          q: { type: 'string', description: 'the query', minLength: 1, maxLength: 100, pattern: '^\\w+$', format: 'date-time', examples: ['a'] },
          n: { type: 'integer', minimum: 1, maximum: 10, exclusiveMaximum: 11, default: 3, multipleOf: 1 },
          tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5, uniqueItems: true },
          meta: { type: 'object', properties: { k: { type: 'boolean' } }, patternProperties: { '^x': {} }, additionalProperties: { type: 'string' } },
        },
        required: ['q', 'ghost'],
        propertyOrdering: ['q', 'n'],
      }),
    ).toEqual({
      title: 'Query',
      type: 'OBJECT',
      properties: {
        q: { type: 'STRING', description: 'the query', minLength: 1, maxLength: 100, pattern: '^\\w+$', format: 'date-time' },
        n: { type: 'INTEGER', minimum: 1, maximum: 10, default: 3 },
        tags: { type: 'ARRAY', items: { type: 'STRING' }, minItems: 1, maxItems: 5 },
        meta: { type: 'OBJECT', properties: { k: { type: 'BOOLEAN' } } },
      },
      required: ['q'],
      propertyOrdering: ['q', 'n'],
    });
  });

  it('null in a type list, in anyOf/oneOf or in an enum makes the schema nullable', () => {
    const props = (p: Record<string, unknown>) => convertJsonSchemaToGemini({ type: 'object', properties: p })!.properties;
    expect(
      props({
        a: { type: ['string', 'null'] },
        b: { anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'b' },
        c: { oneOf: [{ type: 'string' }, { type: 'number' }] },
        d: { type: ['string', 'number'] },
        e: { enum: ['x', 'y', null] },
        f: { type: 'null' },
      }),
    ).toEqual({
      a: { type: 'STRING', nullable: true },
      b: { type: 'INTEGER', nullable: true, description: 'b' },
      c: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
      d: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
      e: { type: 'STRING', enum: ['x', 'y'], nullable: true },
      f: { nullable: true },
    });
  });

  it('string enums (and const) as Gemini enums; enums of other values named in the description, the type kept', () => {
    const props = convertJsonSchemaToGemini({
      type: 'object',
      properties: {
        level: { type: 'integer', enum: [1, 2, 3], description: 'How loud.' },
        ratio: { enum: [0.5, 1] },
        kind: { const: 'fixed' },
        flag: { type: 'boolean', enum: [true] },
        mixed: { type: 'string', enum: ['a', 1] },
      },
    })!.properties;
    expect(props).toEqual({
      level: { type: 'INTEGER', description: 'How loud. Allowed values: 1, 2, 3.' },
      ratio: { description: 'Allowed values: 0.5, 1.' },
      kind: { type: 'STRING', enum: ['fixed'] },
      flag: { type: 'BOOLEAN', description: 'Allowed values: true.' },
      mixed: { type: 'STRING', description: 'Allowed values: "a", 1.' },
    });
  });

  it('keeps only the formats Gemini takes for the type; gives an array without items string items', () => {
    const props = convertJsonSchemaToGemini({
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time' },
        mail: { type: 'string', format: 'email' },
        url: { type: 'string', format: 'uri' },
        n: { type: 'integer', format: 'int64' },
        x: { type: 'number', format: 'double' },
        bad: { type: 'integer', format: 'float' },
        list: { type: 'array' },
      },
    })!.properties;
    expect(props).toEqual({
      when: { type: 'STRING', format: 'date-time' },
      mail: { type: 'STRING' },
      url: { type: 'STRING' },
      n: { type: 'INTEGER', format: 'int64' },
      x: { type: 'NUMBER', format: 'double' },
      bad: { type: 'INTEGER' },
      list: { type: 'ARRAY', items: { type: 'STRING' } },
    });
  });

  it('inlines $refs to root $defs and definitions, merges allOf, takes the first of tuple items', () => {
    expect(
      convertJsonSchemaToGemini({
        type: 'object',
        $defs: { City: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
        definitions: { Unit: { type: 'string', enum: ['C', 'F'] } },
        properties: {
          city: { $ref: '#/$defs/City', description: 'where' },
          unit: { $ref: '#/definitions/Unit' },
          both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'number' } }, required: ['b'] }] },
          pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
        },
      }),
    ).toEqual({
      type: 'OBJECT',
      properties: {
        city: { type: 'OBJECT', description: 'where', properties: { name: { type: 'STRING' } }, required: ['name'] },
        unit: { type: 'STRING', enum: ['C', 'F'] },
        both: { type: 'OBJECT', properties: { a: { type: 'STRING' }, b: { type: 'NUMBER' } }, required: ['a', 'b'] },
        pair: { type: 'ARRAY', items: { type: 'STRING' } },
      },
    });
  });

  it('refuses a recursive or foreign $ref with a 400', () => {
    const tree = { type: 'object', $defs: { Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } } }, properties: { root: { $ref: '#/$defs/Node' } } };
    expect(() => convertJsonSchemaToGemini(tree)).toThrow(/reference #\/\$defs\/Node is recursive/);
    expect(() => convertJsonSchemaToGemini({ type: 'object', properties: { x: { $ref: 'https://example.com/s.json' } } })).toThrow(/only references to root \$defs or definitions/);
  });

  it('an object without properties: undefined at the root (no parameters), a bare OBJECT inside', () => {
    expect(convertJsonSchemaToGemini({ type: 'object', properties: {}, additionalProperties: false })).toBeUndefined();
    expect(convertJsonSchemaToGemini({ type: 'object' })).toBeUndefined();
    expect(convertJsonSchemaToGemini(undefined)).toBeUndefined();
    expect(convertJsonSchemaToGemini({ type: 'object', properties: { o: { type: 'object', properties: {} } } })).toEqual({ type: 'OBJECT', properties: { o: { type: 'OBJECT' } } });
    expect(convertJsonSchemaToGemini({ type: 'string' })).toEqual({ type: 'STRING' });
  });
});
