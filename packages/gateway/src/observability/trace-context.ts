import { randomBytes } from 'node:crypto';
import type { TraceSettings } from './otel-config.js';

/** A W3C trace context: the trace, the span it names, its flags (bit 0: sampled). */
export interface TraceParent {
  traceId: string;
  spanId: string;
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** An incoming `traceparent` (W3C Trace Context), or null when absent or not valid (then a new trace starts). */
export function parseTraceparent(v: string | undefined): TraceParent | null {
  const m = v === undefined ? null : TRACEPARENT.exec(v.trim().toLowerCase());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is invalid; version 00 has nothing after the flags; all-zero ids are invalid.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return null;
  return { traceId: traceId!, spanId: spanId!, flags: parseInt(flags!, 16) };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

/** The sampler's decision for a request (OTEL_TRACES_SAMPLER): a parent's flag decides for the parentbased_* ones. */
export function sampled(s: Pick<TraceSettings, 'sampler' | 'ratio'>, parent: TraceParent | null, traceId: string): boolean {
  if (parent && s.sampler.startsWith('parentbased_')) return (parent.flags & 1) === 1;
  const root = s.sampler.replace('parentbased_', '');
  if (root === 'always_on') return true;
  if (root === 'always_off') return false;
  // traceidratio: the trace id's last 8 hex digits against the ratio (the same trace, the same answer on every pod).
  return parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < s.ratio;
}
