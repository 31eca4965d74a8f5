// The console in a real headless Chromium (Debian's chromium driven by playwright-core, no
// browser download), against a real stack: Redis, the fake provider, a gateway and the
// console server. Driven by role and label as an operator would: sign in, create a key and
// use it for a chat request through the gateway, set a limit and see the 429, disable the
// key, read the usage chart, sign out. Screenshots of every page go to
// test-artifacts/console/ (gitignored). Skipped where chromium is missing, except in CI.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createAdminToken } from '@llmgw/core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestConsole, type TestConsole } from './support/console.js';
import { postChat } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';
import { streamEventCount, streamEvents } from './support/usage-stream.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)`);

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/console/', import.meta.url));
const stack = useGatewayStack({ env: { GW_CACHE_TTL_MS: '0' } });

describe.skipIf(!available)('the console in headless Chromium', () => {
  let browser: Browser;
  let console_: TestConsole;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    console_ = await startTestConsole(stack.redisUrl);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await console_?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const keyRow = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });

  it('sign in, create a key and use it, limit it to a 429, disable it, read the usage chart, sign out', async () => {
    await stack.registry.addProvider({ name: 'fake', base_url: stack.fake.url, secrets: ['sk-upstream-test-secret-0001'] });
    await stack.registry.bindModel('gpt-4o-mini', { provider: 'fake' });
    const { raw: adminToken } = await createAdminToken(stack.redis, 'ops', 'editor', 'gwctl@test');

    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(console_.url);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Overview' }).isVisible()).toBe(true);
    await page.getByRole('img', { name: /Requests and errors per hour/ }).waitFor();
    expect(await page.getByRole('link', { name: 'Tokens' }).count()).toBe(0); // editors do not manage tokens
    await shot(page, 'overview-empty');

    // A new key, shown once.
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('browser-key');
    await page.getByRole('button', { name: 'Create' }).click();
    const rawKey = (await page.getByLabel('Raw key').textContent())!.trim();
    expect(rawKey).toMatch(/^gw-[A-Za-z0-9]{20,}$/);
    await shot(page, 'keys-created');

    // It works through the gateway.
    const ok = await postChat(stack.gw, rawKey);
    expect(ok.status).toBe(200);

    // A limit of 1 request per minute, set in the form: the next request is refused.
    await keyRow(page, 'browser-key').getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Requests per minute').fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await keyRow(page, 'browser-key').getByRole('cell', { name: '1 rpm' }).waitFor();
    // The window counts from when the key has a limit: one request passes, the next is refused.
    const statuses = [(await postChat(stack.gw, rawKey)).status, (await postChat(stack.gw, rawKey)).status];
    expect(statuses).toEqual([200, 429]);

    // Disabled: refused as disabled.
    await keyRow(page, 'browser-key').getByRole('button', { name: 'Disable' }).click();
    await keyRow(page, 'browser-key').getByRole('cell', { name: 'disabled', exact: true }).waitFor();
    const disabled = await postChat(stack.gw, rawKey);
    expect(disabled.status).toBe(403);
    expect(((await disabled.json()) as any).error.code).toBe('key_disabled');
    await shot(page, 'keys');

    // The gateway writes usage events in the background: one per request it answered past authentication.
    await until(async () => (await streamEventCount(stack.redis)) >= 3, 'the usage events', 10_000);
    const events = await streamEvents(stack.redis);
    expect(events.map((e) => e.status)).toEqual([200, 200, 429]);

    await page.getByRole('link', { name: 'Usage' }).click();
    const chart = page.getByRole('img', { name: /^Usage: requests per day/ });
    await expect.poll(() => chart.getAttribute('aria-label')).toBe('Usage: requests per day: requests 3 in total');
    await expect.poll(() => page.getByRole('table', { name: 'Usage by model' }).getByRole('row', { name: /gpt-4o-mini/ }).count()).toBe(1);
    await shot(page, 'usage');

    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('table', { name: 'Recent requests' }).getByRole('cell', { name: 'browser-key' }).first().waitFor();
    await shot(page, 'logs');

    await page.getByRole('link', { name: 'Audit' }).click();
    const audit = page.getByRole('table', { name: 'Audit log, newest first' });
    await audit.getByRole('row', { name: /token:ops\s+key\.create\s+browser-key/ }).waitFor();
    expect(await audit.getByRole('row', { name: /token:ops\s+key\.update\s+browser-key/ }).count()).toBe(2);
    await shot(page, 'audit');

    await page.getByRole('link', { name: 'Providers' }).click();
    await page.getByRole('cell', { name: 'fake', exact: true }).waitFor();
    expect(await page.content()).not.toContain('sk-upstream-test-secret-0001');
    await shot(page, 'providers');
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('cell', { name: 'gpt-4o-mini', exact: true }).waitFor();
    await shot(page, 'models');

    // MCP: add an upstream server with a literal header (shown masked), test it (nothing listens: a FAIL verdict).
    await page.getByRole('link', { name: 'MCP' }).click();
    const mcpForm = page.getByRole('form', { name: 'New MCP server' });
    await mcpForm.getByLabel('Name').fill('tools');
    await mcpForm.getByLabel('URL').fill('http://127.0.0.1:9/mcp');
    await mcpForm.getByLabel('Header').fill('X-Team: sk-mcp-browser-secret-1234');
    await mcpForm.getByRole('button', { name: 'Add MCP server' }).click();
    await page.getByRole('cell', { name: 'tools', exact: true }).waitFor();
    expect(await page.content()).not.toContain('sk-mcp-browser-secret-1234');
    await page.getByRole('button', { name: 'Test tools' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^FAIL tools: /);
    await shot(page, 'mcp');

    await page.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => page.getByRole('img', { name: /Requests and errors per hour/ }).getAttribute('aria-label')).toMatch(/requests 3, errors 1 in total/);
    await shot(page, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'overview-dark');

    // Signing out ends the session on the server too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    const after = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    expect(after).toBe(401);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  }, 90_000);

  it('an admin creates a viewer token on the Tokens page; the viewer signs in with it and can only read', async () => {
    const { raw: adminToken } = await createAdminToken(stack.redis, 'root', 'admin', 'gwctl@test');
    await stack.registry.createKey({ name: 'existing' });
    const signIn = async (token: string) => {
      const page = await browser.newPage(); // a context of its own: its own cookies
      await page.goto(console_.url);
      await page.getByLabel('Admin token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Overview' }).waitFor();
      return page;
    };
    const admin = await signIn(adminToken);
    await admin.getByRole('link', { name: 'Tokens' }).click();
    await admin.getByLabel('Token name').fill('grafana');
    await admin.getByLabel('Role').selectOption('viewer');
    await admin.getByRole('button', { name: 'Create token' }).click();
    const viewerToken = (await admin.getByLabel('Raw token').textContent())!.trim();
    expect(viewerToken).toMatch(/^gwadm-/);
    await admin.getByRole('cell', { name: 'grafana', exact: true }).waitFor();
    await shot(admin, 'tokens');

    const viewer = await signIn(viewerToken);
    await viewer.getByRole('link', { name: 'Keys' }).click();
    await viewer.getByRole('cell', { name: 'existing', exact: true }).waitFor();
    expect(await viewer.getByRole('button', { name: 'New key' }).count()).toBe(0);
    expect(await viewer.getByRole('link', { name: 'Tokens' }).count()).toBe(0);
    // Even a hand-made write from the viewer's page, with the session's CSRF token, is refused for its role.
    const refused = await viewer.evaluate(async () => {
      const { csrf } = (await (await fetch('/api/v1/session')).json()) as { csrf: string };
      const r = await fetch('/api/v1/keys/existing/disable', { method: 'POST', headers: { 'x-csrf-token': csrf } });
      return { status: r.status, message: ((await r.json()) as { error: { message: string } }).error.message };
    });
    expect(refused).toEqual({ status: 403, message: 'this needs the editor role; token "grafana" is viewer' });
    expect((await stack.registry.findKey('existing'))!.status).toBe('active');
    await Promise.all([admin.close(), viewer.close()]);
  }, 60_000);
});
