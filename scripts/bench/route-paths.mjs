#!/usr/bin/env node
// What routing a request path costs (api/router.ts), per call, against the rule it replaced:
// three fixed prefixes (`/v1`, `/openai/v1`, `/anthropic/v1`) stripped, then a Map lookup of
// the rest. The router reads the endpoint from the path's end (longest first), for any prefix
// (GW_API_PATH_PREFIXES=*, the default) or a strict list.
//   node scripts/bench/route-paths.mjs [--calls 5000000]   (after `npm run build`)
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { createRouter } = await import(`${root}packages/gateway/dist/api/router.js`);
const { ENDPOINTS, MODELS_ENDPOINT } = await import(`${root}packages/gateway/dist/api/endpoints.js`);
const { values } = parseArgs({ options: { calls: { type: 'string', default: '5000000' } } });
const N = Number(values.calls);

/** The previous rule, as it was (minus the error cases). */
function fixedPrefixes(method, path) {
  const sub = path.startsWith('/v1/') ? path.slice(3) : path.startsWith('/openai/v1/') ? path.slice(10) : path.startsWith('/anthropic/v1/') ? path.slice(13) : null;
  if (sub === null) return null;
  if (sub === '/models' || sub.startsWith('/models/')) return { endpoint: MODELS_ENDPOINT, model: sub === '/models' ? null : decodeURIComponent(sub.slice(8)) };
  const endpoint = ENDPOINTS.get(sub);
  return endpoint && endpoint.method === method ? { endpoint, model: null } : null;
}

const any = createRouter('*');
const strict = createRouter(['/v1', '/openai/v1', '/anthropic/v1']);
const impls = { 'fixed prefixes (before)': fixedPrefixes, 'any prefix (default)': any.route, 'strict list': strict.route };
const cases = [
  ['POST', '/v1/chat/completions'],
  ['POST', '/anthropic/v1/messages'],
  ['GET', '/v1/models/openai/gpt-4o'],
];

let sink = 0;
const rows = [];
for (const [method, path] of cases) {
  for (const [name, route] of Object.entries(impls)) {
    const run = (n) => {
      for (let i = 0; i < n; i++) sink += route(method, path) === null ? 0 : 1;
    };
    run(200_000); // warm up
    const t0 = process.hrtime.bigint();
    run(N);
    rows.push(`| ${method} ${path} | ${name} | ${(Number(process.hrtime.bigint() - t0) / N).toFixed(1)} |`);
  }
}
console.log(`| request | rule | ns per call |\n| --- | --- | --- |\n${rows.join('\n')}`);
if (sink === 0) process.exit(1);
