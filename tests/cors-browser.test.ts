// CORS in a real browser: the official OpenAI SDK (its ESM build, served from node_modules)
// running in headless Chromium on a page of another origin (another localhost port) calls the
// gateway. Chromium preflights every call (Authorization, x-stainless-*), enforces our answers,
// and lets the page read the body, the stream and the exposed headers only if they are right.
// A page of an origin not in GW_CORS_ORIGINS is blocked by the browser. Debian's chromium with
// playwright-core (no browser download); `.ci/run` installs chromium. Skipped where it is
// missing, except in CI.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/lib/local-redis.mjs';
import { seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)`);

const OPENAI_DIR = fileURLToPath(new URL('../node_modules/openai/', import.meta.url));
const allowedPort = (await freePort());
const otherPort = (await freePort());
const stack = useGatewayStack({ env: { GW_CORS_ORIGINS: `http://127.0.0.1:${allowedPort}`, GW_CACHE_TTL_MS: '0' } });

const PAGE = `<!doctype html><meta charset="utf-8"><title>cors</title>
<script type="module">
import OpenAI from '/openai/index.mjs';
window.callGateway = async (baseURL, apiKey) => {
  const client = new OpenAI({ baseURL, apiKey, dangerouslyAllowBrowser: true, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  let streamed = '';
  for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
    streamed += chunk.choices[0]?.delta?.content ?? '';
  }
  const models = await client.models.list();
  let error = null;
  try {
    await new OpenAI({ baseURL, apiKey: 'gw-not-a-key-000000000000', dangerouslyAllowBrowser: true, maxRetries: 0 }).models.list();
  } catch (e) {
    error = { status: e.status, code: e.code, requestId: e.requestID ?? null };
  }
  return {
    content: data.choices[0].message.content,
    requestId: response.headers.get('x-request-id'),
    remaining: response.headers.get('x-ratelimit-remaining-requests'),
    streamed,
    models: models.data.map((m) => m.id),
    error,
  };
};
window.plainFetch = async (url, apiKey) => {
  try {
    const r = await fetch(url, { headers: { authorization: 'Bearer ' + apiKey } });
    return 'status ' + r.status;
  } catch (e) {
    return e.name + ': ' + e.message;
  }
};
window.ready = true;
</script>`;

/** A page server on `port`: the page, and the OpenAI SDK's files under /openai/. */
function pageServer(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(PAGE);
    }
    const file = path.startsWith('/openai/') && !path.includes('..') ? `${OPENAI_DIR}${path.slice(8)}` : '';
    if (!file || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!available)('a page of another origin, in headless Chromium', () => {
  let browser: Browser;
  let servers: Server[] = [];
  let key: string;

  beforeAll(async () => {
    servers = await Promise.all([pageServer(allowedPort), pageServer(otherPort)]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });
  beforeEach(async () => {
    ({ rawKey: key } = await seedBasic(stack.registry, stack.fake.url, { key: { rpm: 1000 } }));
  });

  async function openPage(port: number) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
    return page;
  }

  it('the OpenAI SDK works from an allowed origin: chat, a stream, the models list, a readable 401, the exposed headers', async () => {
    const page = await openPage(allowedPort);
    const result = await page.evaluate(([base, k]) => (globalThis as any).callGateway(base, k), [stack.gw.baseURL, key]);
    await page.close();
    expect(result.content).toBeTruthy();
    expect(result.streamed).toBeTruthy();
    expect(result.models).toContain('gpt-4o-mini');
    expect(result.requestId).toMatch(/^req_/);
    expect(Number(result.remaining)).toBeGreaterThan(0);
    expect(result.error).toMatchObject({ status: 401, code: 'invalid_api_key', requestId: expect.stringMatching(/^req_/) });
    expect(stack.fake.received.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('a page of an origin not listed is blocked by the browser itself', async () => {
    const page = await openPage(otherPort);
    const blocked = await page.evaluate(([url, k]) => (globalThis as any).plainFetch(url, k), [`${stack.gw.baseURL}/models`, key]);
    const other = await openPage(allowedPort);
    const allowed = await other.evaluate(([url, k]) => (globalThis as any).plainFetch(url, k), [`${stack.gw.baseURL}/models`, key]);
    await Promise.all([page.close(), other.close()]);
    expect(blocked).toMatch(/^TypeError: Failed to fetch/);
    expect(allowed).toBe('status 200');
  });
});
