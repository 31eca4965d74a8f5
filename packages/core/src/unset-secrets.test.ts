import { describe, expect, it } from 'vitest';
import { encodeUnsetReport, parseUnsetReports, unsetSecretProblems } from './unset-secrets.js';

describe('unset secret reports', () => {
  it('keeps the valid, unexpired reports by pod and says per secret which pods lack its variable', () => {
    const now = 1_000;
    const hash = {
      'pod-b': encodeUnsetReport({ variables: ['A_KEY'], secrets: [1], until: now + 1 }),
      'pod-a': encodeUnsetReport({ variables: ['A_KEY', 'C_KEY'], secrets: [1, 3], until: now + 1 }),
      'pod-gone': encodeUnsetReport({ variables: ['A_KEY'], secrets: [1], until: now }),
      'pod-bad': '{not json',
      'pod-odd': JSON.stringify({ variables: 'A_KEY' }),
    };
    const reports = parseUnsetReports(hash, now);
    expect([...reports.keys()].sort()).toEqual(['pod-a', 'pod-b']);
    expect(unsetSecretProblems(reports, ['env:A_KEY', 'sk-literal', 'env:C_KEY'])).toEqual([
      'secret #1: environment variable A_KEY is unset on pods pod-a, pod-b',
      'secret #3: environment variable C_KEY is unset on pod pod-a',
    ]);
    // The secret list changed since (secret #3 is now a literal): nothing to say about it.
    expect(unsetSecretProblems(reports, ['env:A_KEY'])).toEqual(['secret #1: environment variable A_KEY is unset on pods pod-a, pod-b']);
  });
});
