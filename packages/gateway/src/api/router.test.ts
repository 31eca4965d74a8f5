import { describe, expect, it } from 'vitest';
import { ENDPOINT_PATHS } from './endpoints.js';
import { createRouter, type Route } from './router.js';

const any = createRouter('*');
const strict = createRouter(['/v1', '/openai/v1', '/anthropic/v1']);

/** `endpoint path` of a route, `model id` for a lookup, or the refusal. */
function show(r: Route): string {
  if ('refused' in r) return `${r.refused} ${r.endpoint?.path ?? '-'}`;
  return r.model === null ? r.endpoint.path : `${r.endpoint.path} ${r.model}`;
}

describe('any prefix (the default)', () => {
  it.each([
    '/v1/chat/completions',
    '/openai/v1/chat/completions',
    '/v1beta/openai/chat/completions',
    '/v2/chat/completions',
    '/v3/anything/chat/completions',
    '/api/v1/chat/completions',
    '/chat/completions',
  ])('%s is chat completions', (path) => {
    expect(show(any.route('POST', path))).toBe('/chat/completions');
    expect(any.label(path)).toBe('/chat/completions');
  });

  it('every endpoint under every prefix form', () => {
    for (const prefix of ['', '/v1', '/openai/v1', '/anthropic/v1', '/v1beta/openai', '/api/v3/x']) {
      for (const p of ENDPOINT_PATHS) expect(show(any.route('POST', `${prefix}${p}`)), `${prefix}${p}`).toBe(p);
      expect(show(any.route('GET', `${prefix}/models`))).toBe('/models');
    }
  });

  it('the longest endpoint path wins', () => {
    expect(show(any.route('POST', '/v1/chat/completions'))).toBe('/chat/completions');
    expect(show(any.route('POST', '/v1/completions'))).toBe('/completions');
    expect(show(any.route('POST', '/v1/text/completions'))).toBe('/completions');
    expect(show(any.route('POST', '/v1/messages/count_tokens'))).toBe('/messages/count_tokens');
    expect(show(any.route('POST', '/anthropic/v1/messages'))).toBe('/messages');
    // `/count_tokens` alone is no endpoint of ours.
    expect(show(any.route('POST', '/v1/count_tokens'))).toBe('not_found -');
  });

  it('model lookups: the id is the rest of the path, slashes included, decoded', () => {
    expect(show(any.route('GET', '/v1/models/gpt-4o'))).toBe('/models gpt-4o');
    expect(show(any.route('GET', '/v1/models/openai/gpt-4o'))).toBe('/models openai/gpt-4o');
    expect(show(any.route('GET', '/api/v1/models/accounts/fw/models/llama'))).toBe('/models accounts/fw/models/llama');
    expect(show(any.route('GET', '/v1beta/openai/models/llama3:8b'))).toBe('/models llama3:8b');
    expect(show(any.route('GET', '/v1/models/x%2Fchat%2Fcompletions'))).toBe('/models x/chat/completions');
    expect(show(any.route('GET', '/v1/models/%E0%A4%A'))).toBe('bad_model_id /models');
    expect(any.label('/v1/models/openai/gpt-4o')).toBe('/models');
  });

  it('methods: POST endpoints refuse GET, models refuse POST', () => {
    expect(show(any.route('GET', '/v2/chat/completions'))).toBe('method /chat/completions');
    expect(show(any.route('POST', '/v2/models'))).toBe('method /models');
    expect(show(any.route('POST', '/v2/models/gpt-4o'))).toBe('method /models');
    expect(show(any.route('OPTIONS', '/v1/embeddings'))).toBe('method /embeddings');
  });

  it('unknown paths are not found and labelled `other`, never by the raw path', () => {
    for (const p of ['/', '/v1', '/v1/', '/v1/chat', '/v1/chat/completions/', '/v1/files', '/v1/chat/completionsx', '/health/x']) {
      expect(show(any.route('POST', p)), p).toBe('not_found -');
      expect(any.label(p)).toBe('other');
    }
  });
});

describe('a strict list of prefixes', () => {
  it('serves exactly the listed prefixes', () => {
    expect(show(strict.route('POST', '/v1/chat/completions'))).toBe('/chat/completions');
    expect(show(strict.route('POST', '/openai/v1/embeddings'))).toBe('/embeddings');
    expect(show(strict.route('POST', '/anthropic/v1/messages/count_tokens'))).toBe('/messages/count_tokens');
    for (const p of ['/v2/chat/completions', '/chat/completions', '/api/v1/chat/completions', '/v1beta/openai/chat/completions', '/x/v1/chat/completions']) {
      expect(show(strict.route('POST', p)), p).toBe('not_found -');
      expect(strict.label(p)).toBe('other');
    }
  });

  it('model lookups after a listed prefix only; an id may end like an endpoint', () => {
    expect(show(strict.route('GET', '/v1/models'))).toBe('/models');
    expect(show(strict.route('GET', '/v1/models/openai/gpt-4o'))).toBe('/models openai/gpt-4o');
    expect(show(strict.route('GET', '/v1/models/x/chat/completions'))).toBe('/models x/chat/completions');
    expect(show(strict.route('GET', '/v2/models/gpt-4o'))).toBe('not_found -');
  });

  it('`` (from `/`) accepts the bare endpoint paths', () => {
    const bare = createRouter(['']);
    expect(show(bare.route('POST', '/chat/completions'))).toBe('/chat/completions');
    expect(show(bare.route('GET', '/models/a/b'))).toBe('/models a/b');
    expect(show(bare.route('POST', '/v1/chat/completions'))).toBe('not_found -');
  });
});

describe('stored responses', () => {
  it('GET and DELETE /responses/{id}, GET …/input_items, after an accepted prefix; other methods are 405; labelled by the route, not the id', () => {
    expect(show(strict.route('GET', '/v1/responses/resp_abc123'))).toBe('/responses/{id}');
    expect(show(strict.route('DELETE', '/v1/responses/resp_abc123'))).toBe('/responses/{id}');
    expect(show(strict.route('GET', '/v1/responses/resp_abc123/input_items'))).toBe('/responses/{id}');
    expect(show(strict.route('DELETE', '/v1/responses/resp_abc123/input_items'))).toBe('method /responses/{id}');
    expect(show(strict.route('PUT', '/v1/responses/resp_abc123'))).toBe('method /responses/{id}');
    expect(strict.label('/v1/responses/resp_abc123')).toBe('/responses/{id}');
    // the POST endpoint itself is unchanged; ids are plain (no dots, slashes or escapes)
    expect(show(strict.route('POST', '/v1/responses'))).toBe('/responses');
    expect(show(strict.route('GET', '/v2/responses/resp_abc'))).toBe('not_found -');
    expect(show(strict.route('GET', '/v1/responses/a.b'))).toBe('not_found -');
    expect(show(any.route('GET', '/openai/v1/responses/resp_1'))).toBe('/responses/{id}');
  });
});
