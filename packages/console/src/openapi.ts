import { z } from 'zod';
import type { Route } from './route.js';

const schemaOf = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });

const ERROR = {
  type: 'object',
  properties: { error: { type: 'object', properties: { message: { type: 'string' }, field: { type: 'string' } }, required: ['message'] } },
};

/** The OpenAPI 3.0 document of the admin API, generated from the route table and its zod schemas. */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params: unknown[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const js = schemaOf(r.query) as { properties?: Record<string, { description?: string }>; required?: string[] };
      for (const [name, schema] of Object.entries(js.properties ?? {})) {
        params.push({ name, in: 'query', required: js.required?.includes(name) ?? false, schema, ...(schema.description ? { description: schema.description } : {}) });
      }
    }
    const responses: Record<string, unknown> = { [String(r.status ?? 200)]: { description: 'success', content: { 'application/json': {} } }, 400: { description: 'bad input (the field is named)', content: { 'application/json': { schema: ERROR } } } };
    if (r.role) {
      responses[401] = { description: 'no or unknown token / session' };
      responses[403] = { description: `the caller's role is below ${r.role}, or a session write without its CSRF token` };
    }
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.role ? { 'x-min-role': r.role, security: [{ bearer: [] }, { session: [] }] } : { security: [] }),
      ...(params.length ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'llmgw admin API', version: '1', description: 'The console\'s API. Roles: viewer reads; editor also changes providers, models and keys; admin also manages tokens. Writes through a browser session need the x-csrf-token header.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an admin token (gwctl admin token add NAME --role …)' },
        session: { type: 'apiKey', in: 'cookie', name: 'gwc_session' },
      },
    },
    paths,
  };
}
