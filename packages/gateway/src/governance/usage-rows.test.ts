import { USAGE_COLUMNS_JSON, usageEntryEvents, usageEventRow, type UsageEvent } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { UsageRows } from './usage-rows.js';

const base: UsageEvent = {
  id: 'req_1', key_id: 'k1', key_name: 'team a', model: 'gpt-4o-mini', provider: 'openai', upstream_model: 'gpt-4o-mini-2024',
  endpoint: '/chat/completions', prompt_tokens: 12, completion_tokens: 34, cached_tokens: 0, estimated: false, cost_usd: 0.000123,
  latency_ms: 87, ttfb_ms: 40, status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: 1_765_000_000_123,
  cache_write_tokens: 0, cache_write_1h_tokens: 0,
};

/** Strings JSON escapes or writes as more than one byte, and numbers it writes in other forms. */
const STRINGS = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline\r', '\u0000\u001f\u007f', 'ünïcødé ✓', '😀 emoji', '\ud800 lone surrogate', '</script>', 'x'.repeat(3000)];
const NUMBERS = [0, 1, 9, 10, 99, 100, 2_147_483_647, 2_147_483_648, 1_765_000_000_123, 999_999_999_999_999, 1e15, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, -1, -0, 0.1, 1e-7, 1.5e21, 123456789.125, NaN, Infinity, -Infinity];

function variants(): UsageEvent[] {
  const out: UsageEvent[] = [base, { ...base, kind: 'mcp', bytes: 512 }, { ...base, kind: 'mcp' }, { ...base, kind: 'llm' }, { ...base, estimated: true, stream: true, aborted: true }];
  for (const s of STRINGS) out.push({ ...base, id: s, key_name: s, model: s, error: s });
  // An escaped string first, long plain ones after it: what follows an escape still has room.
  out.push({ ...base, id: '\u0001'.repeat(2000), key_name: 'y'.repeat(5000), error: 'z'.repeat(5000), model: '✓'.repeat(1000) });
  for (const n of NUMBERS) out.push({ ...base, prompt_tokens: n, cost_usd: n, latency_ms: n, ts: n, cache_write_1h_tokens: n });
  return out;
}

/** Each row's bytes, as the array the runs would make of it. */
const rowBytes = (rows: UsageRows, start: number, end: number) => rows.bytes.toString('utf8', start, end);

describe('UsageRows', () => {
  it("writes each event's row exactly as usageEventRow's JSON.stringify does, followed by its comma", () => {
    const rows = new UsageRows(32); // smaller than one row: grows
    for (const e of variants()) {
      const start = rows.append(e);
      expect(rowBytes(rows, start, rows.used)).toBe(`${usageEventRow(e)},`);
      expect(rows.rowText(start, rows.used)).toBe(usageEventRow(e));
    }
  });

  it('rows appended one after another are one run: the batch array reads back as the events', () => {
    const rows = new UsageRows(64);
    const events = variants();
    const first = rows.append(events[0]!);
    for (const e of events.slice(1)) rows.append(e);
    const run = rows.bytes.toString('utf8', first, rows.used);
    const entry = `[${USAGE_COLUMNS_JSON},${run.slice(0, -1)}]`;
    expect(entry).toBe(`[${[USAGE_COLUMNS_JSON, ...events.map(usageEventRow)].join(',')}]`);
    expect(usageEntryEvents(['c', entry]).map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('compact moves the rows after the oldest queued one to the start, unchanged; clear frees all', () => {
    const rows = new UsageRows(256);
    const spans: Array<[number, number]> = [];
    for (let i = 0; i < 10; i++) {
      const start = rows.append({ ...base, id: `req_${i}` });
      spans.push([start, rows.used]);
    }
    const kept = spans.slice(6);
    const texts = kept.map(([s, e]) => rows.rowText(s, e));
    const moved = rows.compact(kept[0]![0]);
    expect(moved).toBe(spans[6]![0]);
    kept.forEach(([s, e], i) => expect(rows.rowText(s - moved, e - moved)).toBe(texts[i]));
    expect(rows.used).toBe(spans[9]![1] - moved);
    // New rows go after the kept ones.
    const next = rows.append({ ...base, id: 'req_10' });
    expect(next).toBe(spans[9]![1] - moved);
    expect(rows.rowText(next, rows.used)).toBe(usageEventRow({ ...base, id: 'req_10' }));
    rows.clear();
    expect(rows.used).toBe(0);
    expect(rows.append(base)).toBe(0);
  });
});
