import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENDPOINTS } from '../api/endpoints.js';
import type { ResponseSink } from '../http/types.js';
import { createLogger } from '../logger.js';
import { createContext, type RequestContext } from '../request-context.js';
import { createAccessLogger, writeAccessLog } from './access-log.js';

const sink: ResponseSink = { aborted: false, headersSent: false, onAbort() {}, send() {}, writeHead() {}, write: () => true, onDrain() {}, end() {}, batch: (fn) => fn() };

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}

function ctxWith(p: Partial<RequestContext>): RequestContext {
  const ctx = createContext('req_1', { method: 'POST', path: '/v1/chat/completions', query: '', headers: {}, body: Buffer.alloc(0), receivedAt: 1000 }, sink, ENDPOINTS.get('/chat/completions')!, createLogger('silent'));
  return Object.assign(ctx, p);
}

const provider = { name: 'prov-"a"' } as never;
const CASES: Array<Partial<RequestContext>> = [
  {},
  {
    key: { id: 'key_1', name: 'team \\ "ops"' } as never,
    model: {} as never,
    publicModel: 'gpt-4o\u0001\n\u00e9\u{1F600}',
    served: { provider, model: 'up-1', weight: 1, priority: 0 },
    attempts: [{ provider: 'prov-"a"', model: 'up-1', secretIndex: 0, status: 200 }],
    status: 200,
    stream: true,
    tUpstreamStart: 1001.5,
    tFirstByte: 1020.25,
    tUpstreamEnd: 1040,
    tEnd: 1040.123,
    usage: { promptTokens: 900, completionTokens: 3, cachedTokens: 10, cacheWriteTokens: 500, cacheWrite1hTokens: 300, estimated: true },
    costUsd: 1.23e-7,
  },
  { status: 429, errorCode: 'rate_limit_exceeded', error: 'Rate limit "rpm" reached', clientAborted: true, tEnd: 1000.004 },
];

afterEach(() => vi.useRealTimers());

describe('writeAccessLog', () => {
  it('writes the very bytes pino writes for the same fields, base fields and time', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-06T07:40:00.123Z') });
    const root = createLogger('info', capture().stream, { worker: 2 });
    const fast = capture();
    const ref = capture();
    const access = createAccessLogger(pino({ level: 'info', base: root.bindings() }, fast.stream));
    // A logger writeAccessLog does not know: it logs through pino itself.
    const plain = pino({ level: 'info', base: root.bindings(), timestamp: pino.stdTimeFunctions.isoTime }, ref.stream);
    for (const c of CASES) {
      writeAccessLog(access, ctxWith(c));
      writeAccessLog(plain, ctxWith(c));
    }
    expect(fast.lines).toHaveLength(CASES.length);
    expect(fast.lines).toEqual(ref.lines);
    expect(JSON.parse(fast.lines[1]!)).toMatchObject({ level: 30, time: '2026-12-06T07:40:00.123Z', worker: 2, msg: 'request', provider: 'prov-"a"' });
  });

  it('keeps the time of each millisecond, and writes nothing when info is off', () => {
    vi.useFakeTimers({ now: 0 });
    const out = capture();
    const access = createAccessLogger(pino({ level: 'info' }, out.stream));
    writeAccessLog(access, ctxWith({}));
    vi.advanceTimersByTime(1);
    writeAccessLog(access, ctxWith({}));
    expect(out.lines.map((l) => JSON.parse(l).time)).toEqual(['1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.001Z']);
    const quiet = createAccessLogger(pino({ level: 'warn' }, out.stream));
    writeAccessLog(quiet, ctxWith({}));
    expect(out.lines).toHaveLength(2);
  });
});
