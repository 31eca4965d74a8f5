import { describe, expect, it } from 'vitest';
import { attemptTimeouts } from './attempt-timeouts.js';

const d = { totalMs: 600_000, firstByteMs: 120_000, idleMs: 90_000 };

describe('attemptTimeouts', () => {
  it('takes the gateway defaults when neither the model nor the provider sets a timeout', () => {
    expect(attemptTimeouts({}, { timeout_ms: 300_000 }, d)).toEqual({ firstByteMs: 120_000, idleMs: 90_000, totalMs: 300_000 });
    expect(attemptTimeouts(null, {} as never, d)).toEqual(d);
  });

  it('the provider wins over the default, the model over the provider, each timeout on its own', () => {
    const provider = { timeout_ms: 600_000, first_byte_timeout_ms: 10_000, idle_timeout_ms: 20_000 };
    expect(attemptTimeouts({}, provider, d)).toMatchObject({ firstByteMs: 10_000, idleMs: 20_000 });
    expect(attemptTimeouts({ first_byte_timeout_ms: 300_000 }, provider, d)).toMatchObject({ firstByteMs: 300_000, idleMs: 20_000 });
    expect(attemptTimeouts({ idle_timeout_ms: 5_000 }, { timeout_ms: 600_000 }, d)).toMatchObject({ firstByteMs: 120_000, idleMs: 5_000 });
  });
});
