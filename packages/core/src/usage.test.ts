import { describe, expect, it } from 'vitest';
import { encodeUsageEvent, USAGE_COLUMNS, usageBatchJson, usageEntryEvents, usageEventJson, usageEventRow, usageEventText, usageRowsJson, type UsageEvent } from './usage.js';

function event(over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: 'req_1', key_id: 'key_1', key_name: 'bench', model: 'gpt-4o-mini', provider: 'fake', upstream_model: 'gpt-4o-mini',
    endpoint: '/chat/completions', prompt_tokens: 12, completion_tokens: 34, cached_tokens: 0, estimated: false, cost_usd: 0.0000222,
    latency_ms: 3, ttfb_ms: 2, status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: 1_700_000_000_000, cache_write_tokens: 0, cache_write_1h_tokens: 0, ...over,
  };
}

describe('usageEventJson', () => {
  it('writes what JSON.stringify writes, whatever the strings and numbers hold', () => {
    const strings = ['', 'plain', 'quote "x"', 'back\\slash', 'new\nline', 'tab\t', '\u0000\u001f', 'ünïcødé ✓', '😀 pair', 'lone \ud800 high', 'lone \udc00 low', '\u2028\u2029', '</script>'];
    const numbers = [0, -0, 1.5, 1e-7, 123456789012, 1e21, NaN, Infinity, -Infinity];
    for (const s of strings) {
      for (const field of ['id', 'key_name', 'model', 'provider', 'upstream_model', 'endpoint', 'error', 'key_id'] as const) {
        const e = event({ [field]: s });
        expect(usageEventJson(e)).toBe(JSON.stringify(e));
      }
    }
    for (const n of numbers) {
      for (const field of ['prompt_tokens', 'cost_usd', 'latency_ms', 'ts'] as const) {
        const e = event({ [field]: n });
        expect(usageEventJson(e)).toBe(JSON.stringify(e));
      }
    }
    const flags = event({ estimated: true, stream: true, aborted: true });
    expect(usageEventJson(flags)).toBe(JSON.stringify(flags));
  });

  it('round-trips through a stream entry, in every form the stream has held', () => {
    const e = event({ key_name: 'a "quoted" name', error: 'upstream_timeout', stream: true });
    const mcp = event({ id: 'req_2', kind: 'mcp', bytes: 77, estimated: true });
    expect(usageEntryEvents(['b', usageBatchJson([usageEventJson(e), usageEventJson(mcp)])])).toEqual([e, mcp]);
    expect(usageEntryEvents(['e', usageEventJson(e)])).toEqual([e]);
    expect(usageEntryEvents(encodeUsageEvent(mcp))).toEqual([mcp]);
  });

  it('usageEventText (one JSON.stringify) writes usageEventJson\'s text, whatever the object carries, multi-byte text included', () => {
    const ascii = [event(), event({ id: 'req_2', cost_usd: NaN, latency_ms: Infinity, stream: true }), event({ id: 'req_3', kind: 'mcp', bytes: 5 })];
    const wide = [event({ key_name: 'ünïcødé ✓ 😀', error: 'lone \ud800' }), event({ error: 'é' }), event({ model: '\u0000"\\' })];
    // Fields in another order, extra fields, an explicit `kind: 'llm'`: the text is still usageEventJson's.
    const odd = [{ extra: 1, ...event({ id: 'req_4' }), kind: 'llm' } as UsageEvent, { ...event({ id: 'req_5', kind: 'mcp' }), bytes: undefined }];
    for (const batch of [[], ascii.slice(0, 1), ascii, wide, [...ascii, ...wide], odd]) {
      expect(usageBatchJson(batch.map(usageEventText))).toBe(usageBatchJson(batch.map(usageEventJson)));
    }
  });

  it('decodes a damaged entry to one event of defaults, and skips nothing else', () => {
    for (const fields of [['b', '[{"id":'], ['b', '{"id":"x"}'], ['e', 'nope']]) {
      expect(usageEntryEvents(fields)).toMatchObject([{ id: '', key_id: '', prompt_tokens: 0, stream: false }]);
    }
    expect(usageEntryEvents(['b', '[{"id":"a","prompt_tokens":"7"},5]']).map((x) => [x.id, x.prompt_tokens])).toEqual([['a', 7], ['', 0]]);
  });
});

describe('compact entries (field c)', () => {
  it('round-trip every event: strings of any kind, flags, odd numbers, an MCP tool call', () => {
    const events = [
      event(),
      event({ id: 'req_2', key_name: 'a "quoted" name', error: 'upstream_timeout', stream: true, estimated: true, aborted: true }),
      event({ id: 'req_3', kind: 'mcp', bytes: 77 }),
      event({ key_name: 'ünïcødé ✓ 😀', error: 'lone \ud800', model: '\u0000"\\' }),
      event({ cost_usd: 1e-7, ts: 123456789012, prompt_tokens: 0 }),
    ];
    const entry = usageRowsJson(events.map(usageEventRow));
    // A lone surrogate does not survive JSON text in any form (JSON.stringify escapes it, the parse gives it back).
    expect(usageEntryEvents(['c', entry])).toEqual(events);
    expect(usageEntryEvents(['c', usageRowsJson([])])).toEqual([]);
  });

  it('take less than half the bytes of the objects', () => {
    const e = event({ id: 'a1b2c3d4e5f6a7b8c9d0e1f2', key_name: 'backend-prod', upstream_model: 'gpt-4o-mini-2024-07-18', ts: Date.now() });
    expect(usageEventRow(e).length * 2).toBeLessThan(usageEventText(e).length);
  });

  it('are read by column name: reordered, unknown and missing columns', () => {
    const reordered = JSON.stringify([['ts', 'id', 'stream', 'later_column'], [5, 'r1', 1, 'x'], [6, 'r2', 0]]);
    expect(usageEntryEvents(['c', reordered]).map((e) => [e.id, e.ts, e.stream, e.key_id])).toEqual([['r1', 5, true, ''], ['r2', 6, false, '']]);
    // A row longer than the columns: the extra values are ignored.
    expect(usageEntryEvents(['c', JSON.stringify([['id'], ['r3', 'extra']])])).toMatchObject([{ id: 'r3' }]);
    expect(USAGE_COLUMNS.length).toBe(24);
  });

  it('decode damaged to one event of defaults; a row that is not an array to an event of defaults', () => {
    for (const text of ['[["id"],', '{"id":"x"}', '[{"id":"x"}]', 'nope']) {
      expect(usageEntryEvents(['c', text])).toMatchObject([{ id: '', key_id: '', prompt_tokens: 0, stream: false }]);
    }
    expect(usageEntryEvents(['c', JSON.stringify([['id'], 'x', ['r4']])]).map((e) => e.id)).toEqual(['', 'r4']);
  });
});
