import type { Model, Provider } from '@llmgw/core';
import type { AttemptTimeouts } from '../relay/relay-attempt.js';

/** The gateway's defaults (GW_UPSTREAM_TIMEOUT_MS, GW_FIRST_BYTE_TIMEOUT_MS, GW_STREAM_IDLE_TIMEOUT_MS); 0 = none. */
export interface TimeoutDefaults {
  totalMs: number;
  firstByteMs: number;
  idleMs: number;
}

type ModelTimeouts = Pick<Model, 'first_byte_timeout_ms' | 'idle_timeout_ms'>;
type ProviderTimeouts = Pick<Provider, 'timeout_ms' | 'first_byte_timeout_ms' | 'idle_timeout_ms'>;

/**
 * The deadlines of one attempt at a target: the model's own, else the provider's, else the
 * gateway default. The whole-request deadline is the provider's (it always has one).
 */
export function attemptTimeouts(model: ModelTimeouts | null, provider: ProviderTimeouts, d: TimeoutDefaults): AttemptTimeouts {
  return {
    firstByteMs: model?.first_byte_timeout_ms ?? provider.first_byte_timeout_ms ?? d.firstByteMs,
    idleMs: model?.idle_timeout_ms ?? provider.idle_timeout_ms ?? d.idleMs,
    totalMs: provider.timeout_ms ?? d.totalMs,
  };
}
