import { describe, expect, it } from 'vitest';
import { ANTHROPIC_CODECS } from '../anthropic/codecs.js';
import { ENDPOINT_PATHS } from '../pipeline/endpoints.js';
import { ADAPTERS, servesEndpoint } from './index.js';

describe('which endpoints a provider type serves', () => {
  it('openai: every endpoint; anthropic: chat completions (converted), messages and count_tokens', () => {
    for (const p of ENDPOINT_PATHS) expect(servesEndpoint('openai', p)).toBe(true);
    expect(ENDPOINT_PATHS.filter((p) => servesEndpoint('anthropic', p))).toEqual(['/chat/completions', '/messages', '/messages/count_tokens']);
  });

  it('every converted pair has its codec (a type serves what the codec table converts for it)', () => {
    for (const [type, codecs] of Object.entries(ANTHROPIC_CODECS)) {
      for (const path of Object.keys(codecs)) expect(ADAPTERS[type as keyof typeof ADAPTERS].endpoints).toContain(path);
    }
  });
});
