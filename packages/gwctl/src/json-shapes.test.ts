import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../test/harness.js';

const DOC = readFileSync(new URL('../../../docs/gwctl.md', import.meta.url), 'utf8');

/** The fields a `<!-- json-shape: NAME -->` table of docs/gwctl.md documents: all, and those always present. */
function documented(name: string): { all: string[]; required: string[] } {
  const start = DOC.indexOf(`<!-- json-shape: ${name} -->`);
  expect(start, `docs/gwctl.md documents the ${name} shape`).toBeGreaterThanOrEqual(0);
  const table = DOC.slice(start).split('\n\n')[0]!.split('\n').filter((l) => l.startsWith('| `'));
  const all: string[] = [];
  const required: string[] = [];
  for (const row of table) {
    const cell = row.split(' | ')[0]!;
    const names = [...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    all.push(...names);
    if (!cell.includes('?')) required.push(...names);
  }
  return { all, required };
}

function expectShape(value: Record<string, unknown>, name: string, extra: string[] = []) {
  const { all, required } = documented(name);
  expect(Object.keys(value).filter((k) => !all.includes(k) && !extra.includes(k)), `${name}: fields not documented`).toEqual([]);
  expect(required.filter((k) => !(k in value)), `${name}: documented fields missing`).toEqual([]);
}

// The JSON shapes docs/gwctl.md documents are the ones gwctl prints, optional fields set and unset.
describe('documented JSON shapes', () => {
  const t = useGwctl();

  it('provider, key and model, from list and show', async () => {
    for (const argv of [
      ['provider', 'add', 'full', '--type', 'azure', '--base-url', 'https://x.openai.azure.com', '--auth-header', 'api-key', '--api-key', 'sk-shape-0123456789abcdef', '--api-version', '2024-10-21', '--connect-timeout-ms', '1000', '--first-byte-timeout-ms', '2000', '--idle-timeout-ms', '3000', '--header', 'X-Org: o'],
      ['provider', 'add', 'bare', '--base-url', 'https://api.openai.com/v1'],
      ['model', 'bind', 'm', '--provider', 'bare'],
      ['model', 'price', 'm', '--input', '1', '--output', '2', '--cached-input', '0.5', '--cache-write', '1.5'],
      ['model', 'reserve', 'm', '--output-tokens', '100'],
      ['model', 'timeout', 'm', '--first-byte-timeout-ms', '1000', '--idle-timeout-ms', '2000'],
      ['model', 'alias', 'a', 'm'],
      ['key', 'add', 'full', '--policy', 'latency', '--rpm', '1', '--tpm', '2', '--max-concurrency', '3', '--budget-daily', '4', '--budget-monthly', '5', '--expires', '30d', '--provider-allow', 'bare'],
      ['key', 'add', 'bare'],
    ]) {
      expect((await t.cli(argv)).code, argv.join(' ')).toBe(0);
    }
    const json = async (...argv: string[]) => JSON.parse((await t.cli([...argv, '-o', 'json'])).stdout);
    for (const p of await json('provider', 'list')) expectShape(p, 'provider');
    expectShape(await json('provider', 'show', 'full'), 'provider', ['bound_models']);
    for (const k of await json('key', 'list')) expectShape(k, 'key');
    const shown = await json('key', 'show', 'full');
    expectShape(shown, 'key', ['usage']);
    expect(Object.keys(shown.usage)).toEqual(['day', 'month', 'today', 'this_month', 'budget_daily_remaining', 'budget_monthly_remaining', 'requests_last_minute', 'tokens_last_minute', 'in_flight', 'reserved_usd']);
    for (const m of await json('model', 'list')) expectShape(m, 'model');
    expectShape(await json('model', 'show', 'm'), 'model', ['aliases']);
  });

  it('the reports', async () => {
    await t.cli(['provider', 'add', 'p', '--base-url', 'https://x.example/v1', '--models', 'a']);
    const keys = async (...argv: string[]) => Object.keys(JSON.parse((await t.cli([...argv, '-o', 'json'])).stdout) as object);
    expect(await keys('provider', 'models', 'p')).toEqual(['provider', 'source', 'models', 'imported', 'bound']);
    expect(await keys('provider', 'status', 'p')).toEqual(['provider', 'status', 'health', 'secrets', 'targets', 'problems']);
    expect(await keys('redis', 'ping')).toEqual(['target', 'reachable', 'latency_ms', 'version', 'mode', 'tls', 'revision', 'providers', 'keys', 'models']);
    expect(await keys('usage')).toEqual(['by', 'since', 'until', 'key', 'rows', 'total', 'trimmed_until']);
    expect(await keys('key', 'add', 'k')).toEqual(['key', 'id', 'name', 'prefix']);
  });
});
