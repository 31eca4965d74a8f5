import { describe, expect, it } from 'vitest';
import { mapGeminiError, mapGeminiErrorEvent, readGeminiErrorFacts } from './map-gemini-error.js';

const google = (code: number, status: string, message: string, details?: unknown[]) => JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } });

const BAD_KEY = google(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
  { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
  { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
]);
const QUOTA = google(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [
  { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'm' }] },
  { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' },
]);

describe('mapGeminiError', () => {
  it("Google's error shape as OpenAI's: the message, type by status, the gRPC status as code", () => {
    expect(JSON.parse(mapGeminiError(400, google(400, 'INVALID_ARGUMENT', 'Please use a valid role: user, model.')))).toEqual({
      error: { message: 'Please use a valid role: user, model.', type: 'invalid_request_error', param: null, code: 'invalid_argument' },
    });
    expect(JSON.parse(mapGeminiError(429, QUOTA)).error).toEqual({ message: 'You exceeded your current quota.', type: 'invalid_request_error', param: null, code: 'resource_exhausted' });
    expect(JSON.parse(mapGeminiError(503, google(503, 'UNAVAILABLE', 'The model is overloaded.'))).error).toMatchObject({ type: 'server_error', code: 'unavailable' });
    expect(JSON.parse(mapGeminiError(404, google(404, 'NOT_FOUND', 'models/x is not found'))).error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' });
  });

  it("a key Google does not know is OpenAI's invalid_api_key", () => {
    expect(JSON.parse(mapGeminiError(400, BAD_KEY)).error).toEqual({ message: 'API key not valid. Please pass a valid API key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
  });

  it('a body that is not Google JSON keeps its text; an error inside a one-element array (a stream without alt=sse) is read', () => {
    expect(JSON.parse(mapGeminiError(502, '<html>Bad Gateway</html>')).error).toEqual({ message: '<html>Bad Gateway</html>', type: 'server_error', param: null, code: null });
    expect(JSON.parse(mapGeminiError(500, '')).error.message).toBe('The upstream provider answered 500.');
    expect(JSON.parse(mapGeminiError(500, `[${google(500, 'INTERNAL', 'boom')}]`)).error).toMatchObject({ message: 'boom', code: 'internal' });
  });

  it('a mid-stream error event as an OpenAI error chunk, by its code', () => {
    const raw = google(503, 'UNAVAILABLE', 'overloaded');
    expect(mapGeminiErrorEvent(JSON.parse(raw).error, raw)).toBe('data: {"error":{"message":"overloaded","type":"server_error","param":null,"code":"unavailable"}}\n\n');
    expect(mapGeminiErrorEvent({ message: 'x' }, '{"error":{"message":"x"}}')).toContain('"type":"server_error"');
  });
});

describe('readGeminiErrorFacts', () => {
  it('API_KEY_INVALID on a 400 is a 401 for failover and cooldowns', () => {
    expect(readGeminiErrorFacts(400, BAD_KEY)).toEqual({ status: 401 });
    expect(readGeminiErrorFacts(400, google(400, 'INVALID_ARGUMENT', 'bad request'))).toEqual({});
  });

  it('the wait of a 429 from RetryInfo, in ms', () => {
    expect(readGeminiErrorFacts(429, QUOTA)).toEqual({ retryAfterMs: 34_000 });
    expect(readGeminiErrorFacts(503, google(503, 'UNAVAILABLE', 'x', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }]))).toEqual({ retryAfterMs: 1500 });
  });

  it('nothing from a body that is not Google JSON', () => {
    expect(readGeminiErrorFacts(500, 'oops')).toEqual({});
    expect(readGeminiErrorFacts(400, '{"error":"text"}')).toEqual({});
  });
});
