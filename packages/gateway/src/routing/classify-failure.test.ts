import type { Provider } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/catalog.js';
import type { Target } from '../request-context.js';
import { ENDPOINTS } from '../api/endpoints.js';
import { upstreamStatusError } from '../relay/relay-attempt.js';
import { classifyFailure, type FailureSite } from './classify-failure.js';

const target = (type: Provider['type'] = 'openai'): Target => ({ provider: { name: 'p', type } as Provider, model: 'gpt-x', weight: 1, priority: 0 });
const at = (path: string, body: Record<string, unknown> | null = { model: 'pub' }, type: Provider['type'] = 'openai'): FailureSite => ({ endpoint: ENDPOINTS.get(path)!, body, target: target(type) });
const failed = (status: number) => ({ kind: 'failed' as const, error: upstreamStatusError('p', status), status });

describe('classifyFailure', () => {
  it('an upstream 404 on an endpoint routed by model is the target misconfigured: forced cooldown, one readable line', () => {
    const line = '404 from upstream for model gpt-x (POST /chat/completions): the base URL may lack /v1, or the model does not exist there or does not serve this endpoint';
    expect(classifyFailure(failed(404), at('/chat/completions'))).toEqual({ scope: 'target', health: { force: true, reason: line }, misconfigured: line });
    for (const path of ['/completions', '/embeddings', '/responses', '/moderations', '/images/generations', '/audio/speech', '/audio/transcriptions']) {
      expect(classifyFailure(failed(404), at(path)).scope, path).toBe('target');
    }
  });

  it('names the path the upstream was called on: an Anthropic client to an OpenAI-type provider is /chat/completions', () => {
    const cls = classifyFailure(failed(404), at('/messages', { model: 'pub' }, 'openai'));
    expect(cls).toMatchObject({ scope: 'target', misconfigured: expect.stringContaining('(POST /chat/completions)') });
    expect(classifyFailure(failed(404), at('/messages', { model: 'pub' }, 'anthropic'))).toMatchObject({ misconfigured: expect.stringContaining('(POST /messages)') });
  });

  it('a 404 about an object the request names (Responses previous_response_id, conversation) is the client\'s', () => {
    expect(classifyFailure(failed(404), at('/responses', { model: 'pub', previous_response_id: 'resp_1' }))).toEqual({ scope: 'final' });
    expect(classifyFailure(failed(404), at('/responses', { model: 'pub', conversation: 'conv_1' }))).toEqual({ scope: 'final' });
    expect(classifyFailure(failed(404), at('/responses', { model: 'pub', previous_response_id: null })).scope).toBe('target');
  });

  it('401/403 cool the secret at once with a readable line; 429 stays a bare status', () => {
    for (const st of [401, 403]) {
      const line = `${st} from upstream: the secret was refused (wrong, revoked or without access)`;
      expect(classifyFailure(failed(st), at('/chat/completions'))).toEqual({ scope: 'secret', health: { force: true, reason: line }, misconfigured: line });
    }
    expect(classifyFailure(failed(429), at('/chat/completions'))).toEqual({ scope: 'secret', health: { force: true, reason: '429' } });
  });

  it('genuine client errors (400, 413, 422) and the gateway\'s own end stay final; 5xx and 409 as before', () => {
    for (const st of [400, 413, 422]) expect(classifyFailure(failed(st), at('/chat/completions'))).toEqual({ scope: 'final' });
    expect(classifyFailure({ kind: 'failed', error: new GatewayError(503, 'server_error', 'shutting_down', 'x') }, at('/chat/completions'))).toEqual({ scope: 'final' });
    expect(classifyFailure(failed(503), at('/chat/completions'))).toMatchObject({ scope: 'provider', health: { reason: '503' } });
    expect(classifyFailure(failed(409), at('/chat/completions'))).toEqual({ scope: 'other' });
  });
});
