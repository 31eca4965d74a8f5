import { describe, expect, it } from 'vitest';
import { EMPTY_HEALTH, PROVIDER_SUBJECT, secretSubject, targetSubject, type SubjectHealth } from './provider-health.js';
import { healthProblems, subjectLabel } from './provider-problems.js';

const NOW = 1_000_000;
const cooling = (reason: string): SubjectHealth => ({ ...EMPTY_HEALTH, until: NOW + 5000, level: 1, reason });
const halfOpen = (reason: string): SubjectHealth => ({ ...EMPTY_HEALTH, until: NOW - 1, level: 2, reason });
const SECRETS = ['env:OPENAI_KEY', 'sk-literal-0123456789abcdef'];

describe('provider problems', () => {
  it('labels subjects as gwctl numbers them, never with the secret', () => {
    expect(subjectLabel(PROVIDER_SUBJECT, SECRETS)).toBe('provider');
    expect(subjectLabel(secretSubject(SECRETS[1]!), SECRETS)).toBe('secret #2');
    expect(subjectLabel(targetSubject('llama3:8b', '/chat/completions'), SECRETS)).toBe('model llama3:8b (POST /chat/completions)');
    expect(subjectLabel(secretSubject('sk-removed-one'), SECRETS)).toBeNull();
  });

  it('one line per subject cooling or half-open: provider, secrets in order, then models; a failure count alone is no problem', () => {
    const line404 = '404 from upstream for model m (POST /embeddings): the base URL may lack /v1, or the model does not exist there or does not serve this endpoint';
    const subjects = new Map<string, SubjectHealth>([
      [targetSubject('m', '/embeddings'), cooling(line404)],
      [secretSubject(SECRETS[1]!), halfOpen('401 from upstream: the secret was refused (wrong, revoked or without access)')],
      [secretSubject(SECRETS[0]!), { ...EMPTY_HEALTH, fails: 2, windowEnd: NOW + 1000 }],
      [PROVIDER_SUBJECT, cooling('503')],
      [secretSubject('sk-removed-one'), cooling('429')],
    ]);
    expect(healthProblems(subjects, SECRETS, NOW)).toEqual([
      'provider: failing (503)',
      'secret #2: 401 from upstream: the secret was refused (wrong, revoked or without access)',
      line404,
    ]);
    expect(healthProblems(new Map(), SECRETS, NOW)).toEqual([]);
  });
});
