import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../request-context.js';
import { gatewayOverheadMs, statusClass, upstreamTtfbMs } from './timings.js';

const t = (p: Partial<RequestContext>) => ({ stream: false, t0: 100, tUpstreamStart: 0, tFirstByte: 0, tUpstreamEnd: 0, tEnd: 0, ...p }) as RequestContext;

describe('timings', () => {
  it('maps statuses to classes', () => {
    expect([200, 204, 301, 400, 429, 499, 500, 504].map(statusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '4xx', '5xx', '5xx']);
    expect(statusClass(0)).toBe('5xx');
  });
  it('TTFB is from the first dispatch to the headers; null when nothing was sent or came back', () => {
    expect(upstreamTtfbMs(t({ tUpstreamStart: 110, tFirstByte: 160 }))).toBe(50);
    expect(upstreamTtfbMs(t({ tUpstreamStart: 110 }))).toBeNull();
    expect(upstreamTtfbMs(t({}))).toBeNull();
  });
  it('overhead = before dispatch, plus the buffered relay of a response that is not streamed', () => {
    expect(gatewayOverheadMs(t({ tUpstreamStart: 102, tUpstreamEnd: 300, tEnd: 301 }))).toBe(3);
    expect(gatewayOverheadMs(t({ stream: true, tUpstreamStart: 102, tUpstreamEnd: 300, tEnd: 301 }))).toBe(2);
    expect(gatewayOverheadMs(t({ tEnd: 105 }))).toBeNull();
  });
});
